/// A dense float64 array in row-major (C) order, batch first: N×D for vectors, N×H×W×C for images.
///
/// A value type over shared, immutable storage: a tensor's elements are written only by the code that
/// creates it; reshaping shares the storage.
public struct Tensor: Sendable {
    /// The dimensions, batch first.
    public let shape: [Int]
    /// The elements.
    let storage: Storage

    /// A tensor with the given shape and elements (copied); fails when their sizes disagree.
    public init(shape: [Int], data: [Double]) throws {
        self = try data.withUnsafeBufferPointer { try Tensor(shape: shape, copying: $0) }
    }

    /// A tensor with the given shape whose elements are copied from `buffer`; fails when sizes disagree.
    public init(shape: [Int], copying buffer: UnsafeBufferPointer<Double>) throws {
        let n = try Shape.count(shape)
        guard n == buffer.count else {
            throw LRPError.shape("shape \(Shape.describe(shape)) needs \(n) values, got \(buffer.count)")
        }
        self.shape = shape
        storage = try Storage(uninitialized: n)
        if let source = buffer.baseAddress { storage.base.update(from: source, count: n) }
    }

    private init(shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
    }

    /// A tensor whose elements the caller writes, all of them, before anyone reads it.
    static func uninitialized(_ shape: [Int]) throws -> Tensor {
        Tensor(shape: shape, storage: try Storage(uninitialized: try Shape.count(shape)))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) throws -> Tensor {
        let t = try uninitialized(shape)
        t.storage.base.update(repeating: 0, count: t.count)
        return t
    }

    /// The number of elements.
    public var count: Int { storage.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The elements as an array. Each access copies all of them: take it once, outside loops, or use
    /// `withUnsafeBufferPointer`.
    public var data: [Double] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }

    /// Read access to the elements, valid while the tensor is alive.
    var pointer: UnsafePointer<Double> { UnsafePointer(storage.base) }

    /// Write access for the code that just created the tensor (see the type's note).
    var mutablePointer: UnsafeMutablePointer<Double> { storage.base }

    /// Calls `body` with write access to the elements. Meant for parameter tensors (a layer's "W" and "B"),
    /// which layers share with their owner: writes change the layer. Tensors computed by layers are never
    /// written after they are returned.
    public func withUnsafeMutableStorage<R>(_ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeMutableBufferPointer(start: storage.base, count: count)) }
    }

    /// The address of the elements, valid while any tensor sharing this storage is alive (for handing a
    /// parameter's storage to C callers as a view).
    public var unsafeStorageAddress: UnsafeMutablePointer<Double> { storage.base }

    /// A tensor with the same shape and a copy of the elements (new storage).
    public func copy() throws -> Tensor {
        try withUnsafeBufferPointer { try Tensor(shape: shape, copying: $0) }
    }

    /// Calls `body` with the elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.base, count: count)) }
    }

    /// The same elements viewed with another shape of equal element count (no copy).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard try Shape.count(newShape) == count else {
            throw LRPError.shape("cannot reshape \(Shape.describe(shape)) to \(Shape.describe(newShape))")
        }
        return Tensor(shape: newShape, storage: storage)
    }

    /// A new tensor of the same shape with `f` applied to every element.
    public func map(_ f: (Double) -> Double) throws -> Tensor {
        let out = try Tensor.uninitialized(shape)
        let (src, dst) = (pointer, out.mutablePointer)
        Parallel.forEachPart(count, grain: Parallel.elementGrain) { part in
            for i in part { dst[i] = f(src[i]) }
        }
        return out
    }

    /// True when some element satisfies `predicate`.
    func contains(where predicate: (Double) -> Bool) -> Bool {
        let p = pointer
        for i in 0..<count where predicate(p[i]) { return true }
        return false
    }
}

extension Tensor: Equatable {
    /// Equal shapes and elements.
    public static func == (a: Tensor, b: Tensor) -> Bool {
        guard a.shape == b.shape else { return false }
        if a.storage === b.storage { return true }
        let (p, q) = (a.pointer, b.pointer)
        for i in 0..<a.count where p[i] != q[i] { return false }
        return true
    }
}
