/// Inputs joined along the last axis (channels; Keras' Concatenate, Caffe's Concat). Relevance and
/// gradients are split by position.
public struct Concatenate: MergeLayer {
    /// The node (it has no parameters).
    public init() {}
    public var header: String { "Concatenate" }

    public func outputShape(for shapes: [[Int]]) throws -> [Int] {
        guard let first = shapes.first, shapes.count >= 2 else {
            throw LRPError.shape("Concatenate needs at least two inputs, got \(shapes.count)")
        }
        guard first.count >= 2, shapes.allSatisfy({ $0.count == first.count && Array($0.dropLast()) == Array(first.dropLast()) }) else {
            throw LRPError.shape("Concatenate needs inputs that differ in the last axis only, got \(shapes.map(Shape.describe).joined(separator: ", "))")
        }
        return Array(first.dropLast()) + [try Shape.sum(shapes.map { $0.last ?? 0 })]
    }

    public func forward(_ xs: [Tensor]) throws -> Tensor {
        let shape = try outputShape(for: xs.map(\.shape))
        return try Self.joined(xs, shape: shape)
    }

    /// The inputs joined along their last axis into a new tensor of `shape` in the first input's precision
    /// (the shapes already checked).
    static func joined(_ xs: [Tensor], shape: [Int]) throws -> Tensor {
        let precision = xs[0].precision
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let total = try Shape.sum(xs.map { $0.shape[$0.rank - 1] })
            let out = try Tensor.uninitialized(shape, T.self)
            let rows = total == 0 ? 0 : out.count / total, op = out.mutablePointer(T.self)
            var offset = 0
            for x in xs {
                let width = x.shape[x.rank - 1]
                x.withUnsafeBufferPointer(as: T.self) { xb in
                    guard let xp = xb.baseAddress else { return }
                    for row in 0..<rows { (op + row * total + offset).update(from: xp + row * width, count: width) }
                }
                offset += width
            }
            return out
        }
        return try precision.select(run(Double.self), run(Float.self))
    }

    /// The slices of `r` that belong to each input (the last axis of r split by `widths`), shaped `shapes`, in
    /// r's precision.
    static func split(_ r: Tensor, widths: [Int], shapes: [[Int]]) throws -> [Tensor] {
        func run<T: Real>(_: T.Type) throws -> [Tensor] {
            let total = r.shape[r.rank - 1], rows = total == 0 ? 0 : r.count / total
            var offset = 0
            let rp = r.pointer(T.self)
            return try withExtendedLifetime(r) {
                try zip(widths, shapes).map { width, shape in
                    let out = try Tensor.uninitialized(shape, T.self)
                    let op = out.mutablePointer(T.self)
                    for row in 0..<rows { (op + row * width).update(from: rp + row * total + offset, count: width) }
                    offset += width
                    return out
                }
            }
        }
        return try r.precision.select(run(Double.self), run(Float.self))
    }

    public func relevance(_ r: Tensor, inputs xs: [Tensor], output y: Tensor, rule: Rule) throws -> [Tensor] {
        _ = try outputShape(for: xs.map(\.shape))
        return try Self.split(try r.reshaped(y.shape), widths: xs.map { $0.shape[$0.rank - 1] }, shapes: xs.map(\.shape))
    }

    public func backward(_ dy: Tensor, inputs xs: [Tensor], output y: Tensor) throws -> [Tensor] {
        try Self.split(try dy.reshaped(y.shape), widths: xs.map { $0.shape[$0.rank - 1] }, shapes: xs.map(\.shape))
    }
}
