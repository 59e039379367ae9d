import COpenBLAS

/// The matrix products of the library, through OpenBLAS's CBLAS (dgemm, sgemm). Matrices are row-major.
///
/// Every product runs on the calling thread: liblrp splits its work over `Parallel.threads` threads itself
/// (`LRP_NUM_THREADS`), so OpenBLAS is set to one thread once, when liblrp first multiplies, and never changed
/// back and forth while other models run (with OpenBLAS's own threads beside ours both would compete for the
/// same cores, measured 3–7× slower).
enum BLAS {
    /// OpenBLAS set to one thread, once per process.
    private static let oneThread: Void = { openblas_set_num_threads(1) }()

    /// C ← alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n and C m×n (row-major; lda, ldb, ldc are row
    /// strides). Dimensions are bounded by the callers' chunking, so they fit CBLAS's 32-bit integers.
    static func gemm<T: Real>(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: T = 1,
        a: UnsafePointer<T>, lda: Int,
        b: UnsafePointer<T>, ldb: Int,
        beta: T = 0,
        c: UnsafeMutablePointer<T>, ldc: Int
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
        _ = oneThread
        T.cblasGemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// Σ_i x_i·y_i over n contiguous values (CBLAS `?dot`).
    static func dot<T: Real>(_ n: Int, _ x: UnsafePointer<T>, _ y: UnsafePointer<T>) -> T {
        guard n > 0 else { return 0 }
        _ = oneThread
        return T.cblasDot(n, x, y)
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
}
