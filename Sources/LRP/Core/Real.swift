import COpenBLAS
import Glibc

/// The element types the engine computes in: `Double` (float64) and `Float` (float32). Kernels are generic
/// over it and called with a concrete type (`Precision.select`), so each is compiled once per precision.
public protocol Real: BinaryFloatingPoint, Sendable {
    /// The precision of this type.
    static var precision: Precision { get }

    /// C ← alpha·op(A)·op(B) + beta·C in this precision (CBLAS `?gemm`, row-major).
    /// (Sizes as `BLAS.gemm` checked them.)
    static func cblasGemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                          _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int, _ b: UnsafePointer<Self>, _ ldb: Int,
                          _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)

    /// Σ x_i·y_i over n contiguous values (CBLAS `?dot`).
    static func cblasDot(_ n: Int, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>) -> Self

    /// eˣ.
    static func exp(_ x: Self) -> Self
    /// The natural logarithm.
    static func log(_ x: Self) -> Self
    /// The hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
    /// xʸ.
    static func pow(_ x: Self, _ y: Self) -> Self
}

extension Double: Real {
    public static var precision: Precision { .float64 }
    public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    public static func cblasDot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double { cblas_ddot(blasint(n), x, 1, y, 1) }
    public static func log(_ x: Double) -> Double { Glibc.log(x) }
    public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }

    public static func cblasGemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                 _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
                                 _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}

extension Float: Real {
    public static var precision: Precision { .float32 }
    public static func exp(_ x: Float) -> Float { expf(x) }
    public static func cblasDot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float { cblas_sdot(blasint(n), x, 1, y, 1) }
    public static func log(_ x: Float) -> Float { logf(x) }
    public static func tanh(_ x: Float) -> Float { tanhf(x) }
    public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }

    public static func cblasGemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                 _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                 _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}
