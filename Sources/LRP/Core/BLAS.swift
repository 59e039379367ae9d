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

    /// The largest dimension CBLAS accepts.
    static let maxDimension = Int(Int32.max)
}
