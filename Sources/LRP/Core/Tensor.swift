/// A dense float64 array in row-major (C) order, batch first: N×D for vectors, N×H×W×C for images.
///
/// A value type over shared, immutable storage: a tensor's elements are written only by the code that
/// creates it; reshaping shares the storage and gives a read-only view. A write through a view (which
/// would change every tensor that shares the storage) is caught in debug builds, where `mutablePointer`
/// asserts; code that must change a received tensor's values makes a new tensor instead.
public struct Tensor: Sendable {
    /// The dimensions, batch first.
    public let shape: [Int]
    /// The elements.
    let storage: Storage
    /// False for views (`reshaped`, `view`): their storage belongs to another tensor.
    private let owns: Bool

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
        owns = true
        if let source = buffer.baseAddress { storage.base.update(from: source, count: n) }
    }

    private init(shape: [Int], storage: Storage, owns: Bool) {
        self.shape = shape
        self.storage = storage
        self.owns = owns
    }

    /// A tensor whose elements the caller writes, all of them, before anyone reads it.
    static func uninitialized(_ shape: [Int]) throws -> Tensor {
        Tensor(shape: shape, storage: try Storage(uninitialized: try Shape.count(shape)), owns: true)
    }

    /// True when this tensor is a view of another tensor's storage (no writes allowed).
    public var isView: Bool { !owns }

    /// The same tensor as a read-only view: what a layer hands on when its result is its input unchanged,
    /// so that no receiver can write into the caller's storage.
    public var view: Tensor { Tensor(shape: shape, storage: storage, owns: false) }

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

    /// Write access for the code that just created the tensor (see the type's note); never for a view.
    var mutablePointer: UnsafeMutablePointer<Double> {
        assert(owns, "a write through a view of another tensor's storage (shape \(Shape.describe(shape)))")
        return storage.base
    }

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
        return Tensor(shape: newShape, storage: storage, owns: false)
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

    /// A new tensor of the same shape with `f` applied to the elements of this tensor and `other` pairwise
    /// (the element counts must agree).
    public func elementwise(_ other: Tensor, _ f: (Double, Double) -> Double) throws -> Tensor {
        guard other.count == count else {
            throw LRPError.shape("\(Shape.describe(shape)) and \(Shape.describe(other.shape)) do not have the same number of elements")
        }
        let out = try Tensor.uninitialized(shape)
        let (a, b, dst) = (pointer, other.pointer, out.mutablePointer)
        Parallel.forEachPart(count, grain: Parallel.elementGrain) { part in
            for i in part { dst[i] = f(a[i], b[i]) }
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
