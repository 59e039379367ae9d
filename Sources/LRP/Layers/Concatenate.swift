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
        let out = try Tensor.uninitialized(shape)
        let total = shape[shape.count - 1], rows = out.count / total
        var offset = 0
        for x in xs {
            let width = x.shape[x.rank - 1], (xp, op) = (x.pointer, out.mutablePointer)
            for row in 0..<rows { (op + row * total + offset).update(from: xp + row * width, count: width) }
            offset += width
        }
        return out
    }

    /// The slices of `r` that belong to each input.
    private func split(_ r: Tensor, _ xs: [Tensor]) throws -> [Tensor] {
        let total = r.shape[r.rank - 1], rows = r.count / total
        var offset = 0
        return try xs.map { x in
            let width = x.shape[x.rank - 1]
            let out = try Tensor.uninitialized(x.shape)
            let (rp, op) = (r.pointer, out.mutablePointer)
            for row in 0..<rows { (op + row * width).update(from: rp + row * total + offset, count: width) }
            offset += width
            return out
        }
    }

    public func relevance(_ r: Tensor, inputs xs: [Tensor], output y: Tensor, rule: Rule) throws -> [Tensor] {
        _ = try outputShape(for: xs.map(\.shape))
        return try split(try r.reshaped(y.shape), xs)
    }

    public func backward(_ dy: Tensor, inputs xs: [Tensor], output y: Tensor) throws -> [Tensor] {
        try split(try dy.reshaped(y.shape), xs)
    }
}
