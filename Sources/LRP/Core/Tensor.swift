#if canImport(Glibc)
import Glibc
#endif

/// A dense float64 array in row-major (C) order, batch first: N×D for vectors, N×H×W×C for images.
///
/// A value type: copies share storage until one of them is written to.
public struct Tensor: Equatable, Sendable {
    /// The dimensions, batch first.
    public private(set) var shape: [Int]
    /// The elements in C order; `data.count` is the product of `shape`.
    public internal(set) var data: [Double]

    /// A tensor with the given shape and elements; fails when their sizes disagree.
    public init(shape: [Int], data: [Double]) throws {
        let n = try Shape.count(shape)
        guard n == data.count else {
            throw LRPError.shape("shape \(Shape.describe(shape)) needs \(n) values, got \(data.count)")
        }
        self.shape = shape
        self.data = data
    }

    /// Internal initializer for shapes and data already known to agree.
    init(validShape shape: [Int], data: [Double]) {
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros, or `LRPError.memory` when the allocation cannot be satisfied.
    public static func zeros(_ shape: [Int]) throws -> Tensor {
        let n = try Shape.count(shape)
        try Memory.check(doubles: n)
        return Tensor(validShape: shape, data: [Double](repeating: 0, count: n))
    }

    /// The number of elements.
    public var count: Int { data.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The same elements viewed with another shape of equal element count (no copy).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard try Shape.count(newShape) == count else {
            throw LRPError.shape("cannot reshape \(Shape.describe(shape)) to \(Shape.describe(newShape))")
        }
        return Tensor(validShape: newShape, data: data)
    }

    /// Applies `f` to every element.
    public func map(_ f: (Double) -> Double) -> Tensor {
        Tensor(validShape: shape, data: data.map(f))
    }
}

/// Checks that large allocations can be satisfied before Swift's allocator is asked for them (it would trap).
enum Memory {
    /// Allocations below this size are not probed.
    static let probeThreshold = 1 << 24

    /// Throws `LRPError.memory` when `doubles` float64 values cannot be allocated.
    static func check(doubles: Int) throws {
        let (bytes, overflow) = doubles.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
        guard !overflow else { throw LRPError.memory("cannot allocate \(doubles) values: size overflows") }
        guard bytes >= probeThreshold else { return }
        guard let probe = malloc(bytes) else {
            throw LRPError.memory("cannot allocate \(bytes / (1 << 20)) MiB for \(doubles) values")
        }
        free(probe)
    }

    /// An array of `count` zeros, or `LRPError.memory`.
    static func zeros(_ count: Int) throws -> [Double] {
        try check(doubles: count)
        return [Double](repeating: 0, count: count)
    }
}
