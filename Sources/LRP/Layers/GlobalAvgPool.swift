/// The mean over all positions of each channel: N×H×W×C → N×C (Keras' GlobalAveragePooling2D).
/// Relevance as for average pooling over the whole image (the SumPool rules with one window).
public struct GlobalAvgPool: Layer {
    /// The layer (it has no parameters).
    public init() {}
    public var header: String { "GlobalAvgPool" }

    public func outputShape(for shape: [Int]) throws -> [Int] {
        try expectRank(shape, 4, "N×H×W×C (rank 4)")
        return [shape[0], shape[3]]
    }

    /// The average pool this layer is, for an input shape.
    private func pool(_ shape: [Int]) throws -> AvgPool {
        _ = try outputShape(for: shape)
        return try AvgPool(pool: (shape[1], shape[2]), stride: (1, 1))
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try pool(x.shape).forward(x).reshaped(try outputShape(for: x.shape))
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        let p = try pool(x.shape)
        let shaped = [x.shape[0], 1, 1, x.shape[3]]
        return try p.relevance(try r.reshaped(shaped), input: x, output: try y.reshaped(shaped), rule: rule)
    }

    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        let shaped = [x.shape[0], 1, 1, x.shape[3]]
        return try pool(x.shape).backward(try dy.reshaped(shaped), input: x, output: try y.reshaped(shaped))
    }
}
