import COpenBLAS

/// The matrix products of the library, through OpenBLAS's CBLAS. Matrices are row-major.
enum BLAS {
    /// C ← alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n and C m×n (row-major; lda, ldb, ldc are row
    /// strides). Dimensions are bounded by the callers' chunking, so they fit CBLAS's 32-bit integers.
    static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // An empty inner dimension: C ← beta·C (CBLAS would do the same, but some builds reject k = 0).
            for i in 0..<m {
                let row = c + i * ldc
                for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
            }
            return
        }
        cblas_dgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    /// The largest row length (K, or outputs) a layer may have: CBLAS takes 32-bit sizes, and alphabeta
    /// stacks two halves side by side.
    static let maxDimension = 1 << 30

    /// Throws unless `size` (named `what`) fits the BLAS interface.
    static func checkDimension(_ size: Int, _ what: String) throws {
        guard size <= maxDimension else {
            throw LRPError.unsupported("\(what) of \(size) exceeds the \(maxDimension) that 32-bit BLAS sizes allow")
        }
    }

    /// Runs `body` with OpenBLAS limited to one thread, restoring the previous setting afterwards.
    ///
    /// Used around loops that call BLAS from several of our own threads at once: OpenBLAS's own threads
    /// would then compete with ours for the same cores (measured: 3–7× slower).
    static func singleThreaded<R>(_ body: () -> R) -> R {
        let previous = openblas_get_num_threads()
        guard previous > 1 else { return body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return body()
    }
}
