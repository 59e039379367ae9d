/// Flattens N×d1×…×dk to N×(d1·…·dk) in C order. Relevance is reshaped back.
public struct Flatten: Layer {
    /// The layer (it has no parameters).
    public init() {}
    public var header: String { "Flatten" }

    public func outputShape(for shape: [Int]) throws -> [Int] {
        guard let batch = shape.first else { throw LRPError.shape("expects input with a batch dimension, got a scalar") }
        return [batch, try Shape.count(Array(shape.dropFirst()))]
    }

    public func forward(_ x: Tensor) throws -> Tensor { try x.reshaped(try outputShape(for: x.shape)) }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return try r.reshaped(x.shape)
    }

    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        (try dy.reshaped(x.shape), [])
    }
}
