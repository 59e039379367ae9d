/// The floating-point precision a tensor or a model computes in. float64 is the default and gives the LRP
/// Toolbox's exact numbers; float32 halves memory and doubles the BLAS rate.
public enum Precision: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// IEEE 754 binary64 (`Double`, numpy `float64`); `LRP_FLOAT64` in the C API.
    case float64 = 0
    /// IEEE 754 binary32 (`Float`, numpy `float32`); `LRP_FLOAT32` in the C API.
    case float32 = 1

    /// Bytes per element.
    public var elementSize: Int {
        switch self {
        case .float64: return MemoryLayout<Double>.stride
        case .float32: return MemoryLayout<Float>.stride
        }
    }

    /// "float64" or "float32" (numpy's names).
    public var description: String {
        switch self {
        case .float64: return "float64"
        case .float32: return "float32"
        }
    }

    /// The result of `float64` or `float32`, whichever is this precision's: a generic kernel called with its
    /// concrete element type, e.g. `try x.precision.select(run(Double.self), run(Float.self))`, so that the
    /// compiler specializes it for both.
    @inline(__always)
    public func select<R>(_ float64: @autoclosure () throws -> R, _ float32: @autoclosure () throws -> R) rethrows -> R {
        switch self {
        case .float64: return try float64()
        case .float32: return try float32()
        }
    }
}
