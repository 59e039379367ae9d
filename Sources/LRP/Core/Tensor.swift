/// A dense array of float64 or float32 values (`precision`) in row-major (C) order, batch first: N×D for
/// vectors, N×H×W×C for images.
///
/// A value type over shared, immutable storage: a tensor's elements are written only by the code that
/// creates it; reshaping shares the storage and gives a read-only view. A write through a view (which
/// would change every tensor that shares the storage) is caught in debug builds, where `mutablePointer`
/// asserts; code that must change a received tensor's values makes a new tensor instead. Kernels read the
/// elements as the Swift type of the tensor's precision (`Real`), chosen with `Precision.select`.
public struct Tensor: Sendable {
    /// The dimensions, batch first.
    public let shape: [Int]
    /// The elements.
    let storage: Storage
    /// False for views (`reshaped`, `view`): their storage belongs to another tensor.
    private let owns: Bool

    /// A float64 tensor with the given shape and elements (copied); fails when their sizes disagree.
    public init(shape: [Int], data: [Double]) throws {
        self = try data.withUnsafeBufferPointer { try Tensor(shape: shape, copying: $0) }
    }

    /// A float32 tensor with the given shape and elements (copied); fails when their sizes disagree.
    public init(shape: [Int], float32 data: [Float]) throws {
        self = try data.withUnsafeBufferPointer { try Tensor(shape: shape, copying: $0) }
    }

    /// A tensor of `T`'s precision whose elements are copied from `buffer`; fails when sizes disagree.
    public init<T: Real>(shape: [Int], copying buffer: UnsafeBufferPointer<T>) throws {
        let n = try Shape.count(shape)
        guard n == buffer.count else {
            throw LRPError.shape("shape \(Shape.describe(shape)) needs \(n) values, got \(buffer.count)")
        }
        self = try Tensor.uninitialized(shape, T.self)
        if let source = buffer.baseAddress { storage.elements(T.self).update(from: source, count: n) }
    }

    /// A tensor of `precision` whose elements are copied from `buffer` (of any precision) and converted.
    public init<T: Real>(shape: [Int], converting buffer: UnsafeBufferPointer<T>, to precision: Precision) throws {
        if T.precision == precision {
            try self.init(shape: shape, copying: buffer)
            return
        }
        let n = try Shape.count(shape)
        guard n == buffer.count else {
            throw LRPError.shape("shape \(Shape.describe(shape)) needs \(n) values, got \(buffer.count)")
        }
        self = try Tensor.uninitialized(shape, precision)
        func fill<U: Real>(_: U.Type) {
            let dst = storage.elements(U.self)
            for i in 0..<n { dst[i] = U(buffer[i]) }
        }
        precision.select(fill(Double.self), fill(Float.self))
    }

    private init(shape: [Int], storage: Storage, owns: Bool) {
        self.shape = shape
        self.storage = storage
        self.owns = owns
    }

    /// A tensor whose elements the caller writes, all of them, before anyone reads it.
    static func uninitialized(_ shape: [Int], _ precision: Precision) throws -> Tensor {
        Tensor(shape: shape, storage: try Storage(uninitialized: try Shape.count(shape), precision), owns: true)
    }

    /// A tensor of `T`'s precision whose elements the caller writes before anyone reads it.
    static func uninitialized<T: Real>(_ shape: [Int], _: T.Type) throws -> Tensor {
        try uninitialized(shape, T.precision)
    }

    /// True when this tensor is a view of another tensor's storage (no writes allowed).
    public var isView: Bool { !owns }

    /// The same tensor as a read-only view: what a layer hands on when its result is its input unchanged,
    /// so that no receiver can write into the caller's storage.
    public var view: Tensor { Tensor(shape: shape, storage: storage, owns: false) }

    /// A tensor of zeros (float64 unless `precision` says otherwise).
    public static func zeros(_ shape: [Int], _ precision: Precision = .float64) throws -> Tensor {
        let t = try uninitialized(shape, precision)
        t.storage.base.initializeMemory(as: UInt8.self, repeating: 0, count: t.count &* precision.elementSize)
        return t
    }

    /// The precision of the elements.
    public var precision: Precision { storage.precision }
    /// The number of elements.
    public var count: Int { storage.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The elements as float64 values (converted from float32). Each access copies all of them: take it once,
    /// outside loops, or use `withUnsafeBufferPointer`.
    public var data: [Double] { elements(Double.self) }

    /// The elements converted to `T`.
    public func elements<T: Real>(_: T.Type) -> [T] {
        func read<U: Real>(_: U.Type) -> [T] {
            let p = storage.elements(U.self)
            return withExtendedLifetime(storage) { (0..<count).map { T(p[$0]) } }
        }
        if T.precision == precision { return withUnsafeBufferPointer(as: T.self) { Array($0) } }
        return precision.select(read(Double.self), read(Float.self))
    }

    /// Read access to the elements as `T` (the tensor's precision), valid while the tensor is alive.
    @inline(__always)
    func pointer<T: Real>(_: T.Type) -> UnsafePointer<T> { UnsafePointer(storage.elements(T.self)) }

    /// Write access for the code that just created the tensor (see the type's note); never for a view.
    @inline(__always)
    func mutablePointer<T: Real>(_: T.Type) -> UnsafeMutablePointer<T> {
        assert(owns, "a write through a view of another tensor's storage (shape \(Shape.describe(shape)))")
        return storage.elements(T.self)
    }

    /// Calls `body` with write access to the elements as `T`, which must be the tensor's precision. Meant for
    /// parameter tensors (a layer's "W" and "B"), which layers share with their owner: writes change the layer.
    /// Tensors computed by layers are never written after they are returned.
    public func withUnsafeMutableStorage<T: Real, R>(as _: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R) throws -> R {
        guard T.precision == precision else {
            throw LRPError.argument("a \(precision) tensor cannot be written as \(T.precision) values")
        }
        defer { storage.noteWrite() }
        return try withExtendedLifetime(storage) { try body(UnsafeMutableBufferPointer(start: storage.elements(T.self), count: count)) }
    }

    /// The address of the elements, valid while any tensor sharing this storage is alive (for handing a
    /// parameter's storage to C callers as a view, who may write through it: what the library derived from
    /// the elements is checked against them from then on).
    public var unsafeStorageAddress: UnsafeMutableRawPointer {
        storage.noteExposed()
        return storage.base
    }

    /// A tensor with the same shape, precision and a copy of the elements (new storage).
    public func copy() throws -> Tensor {
        let t = try Tensor.uninitialized(shape, precision)
        withExtendedLifetime(storage) { t.storage.base.copyMemory(from: storage.base, byteCount: count &* precision.elementSize) }
        return t
    }

    /// This tensor in `precision`: itself when it already is, else a converted copy.
    public func converted(to precision: Precision) throws -> Tensor {
        if precision == self.precision { return self }
        func convert<T: Real>(_: T.Type) throws -> Tensor {
            try withUnsafeBufferPointer(as: T.self) { try Tensor(shape: shape, converting: $0, to: precision) }
        }
        return try self.precision.select(convert(Double.self), convert(Float.self))
    }

    /// Calls `body` with the elements as `T`; a tensor of the other precision is converted first.
    public func withUnsafeBufferPointer<T: Real, R>(as _: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        if T.precision == precision {
            return try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.elements(T.self), count: count)) }
        }
        let values = elements(T.self)
        return try values.withUnsafeBufferPointer(body)
    }

    /// The same elements viewed with another shape of equal element count (no copy).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard try Shape.count(newShape) == count else {
            throw LRPError.shape("cannot reshape \(Shape.describe(shape)) to \(Shape.describe(newShape))")
        }
        return Tensor(shape: newShape, storage: storage, owns: false)
    }

    /// A new tensor of the same shape in `T`'s precision with `f` applied to every element (a tensor of the
    /// other precision is converted first).
    public func map<T: Real>(_ f: (T) -> T) throws -> Tensor {
        let source = try converted(to: T.precision)
        let out = try Tensor.uninitialized(shape, T.self)
        let (src, dst) = (source.pointer(T.self), out.mutablePointer(T.self))
        withExtendedLifetime(source) {
            Parallel.forEachPart(count, grain: Parallel.elementGrain) { part in
                for i in part { dst[i] = f(src[i]) }
            }
        }
        return out
    }

    /// A new tensor of the same shape in `T`'s precision with `f` applied to the elements of this tensor and
    /// `other` pairwise (the element counts must agree; tensors of the other precision are converted first).
    public func elementwise<T: Real>(_ other: Tensor, _ f: (T, T) -> T) throws -> Tensor {
        guard other.count == count else {
            throw LRPError.shape("\(Shape.describe(shape)) and \(Shape.describe(other.shape)) do not have the same number of elements")
        }
        let (x, y) = (try converted(to: T.precision), try other.converted(to: T.precision))
        let out = try Tensor.uninitialized(shape, T.self)
        let (a, b, dst) = (x.pointer(T.self), y.pointer(T.self), out.mutablePointer(T.self))
        withExtendedLifetime((x, y)) {
            Parallel.forEachPart(count, grain: Parallel.elementGrain) { part in
                for i in part { dst[i] = f(a[i], b[i]) }
            }
        }
        return out
    }

    /// The element-wise sum with `other` (same element count), in this tensor's shape and precision.
    public func adding(_ other: Tensor) throws -> Tensor {
        func run<T: Real>(_: T.Type) throws -> Tensor { try elementwise(other) { (a: T, b: T) in a + b } }
        return try precision.select(run(Double.self), run(Float.self))
    }

    /// True when some element satisfies `predicate` (read as float64).
    func contains(where predicate: (Double) -> Bool) -> Bool {
        func scan<T: Real>(_: T.Type) -> Bool {
            let p = pointer(T.self)
            return withExtendedLifetime(storage) {
                for i in 0..<count where predicate(Double(p[i])) { return true }
                return false
            }
        }
        return precision.select(scan(Double.self), scan(Float.self))
    }
}

extension Tensor: Equatable {
    /// Equal shapes, precisions and elements.
    public static func == (a: Tensor, b: Tensor) -> Bool {
        guard a.shape == b.shape, a.precision == b.precision else { return false }
        if a.storage === b.storage { return true }
        func equal<T: Real>(_: T.Type) -> Bool {
            let (p, q) = (a.pointer(T.self), b.pointer(T.self))
            for i in 0..<a.count where p[i] != q[i] { return false }
            return true
        }
        return a.precision.select(equal(Double.self), equal(Float.self))
    }
}
