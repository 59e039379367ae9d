/// Reshapes each sample to `target` (the batch dimension stays), in C order (Keras' Reshape with
/// channels last). Relevance and gradients are reshaped back.
public struct Reshape: Layer {
    /// The shape of one sample after the layer.
    public let target: [Int]

    /// A reshape to `target` (every dimension ≥ 1).
    public init(target: [Int]) throws {
        guard !target.isEmpty, target.count < Shape.maxRank, target.allSatisfy({ $0 >= 1 }) else {
            throw LRPError.argument("Reshape needs 1 … \(Shape.maxRank - 1) dimensions ≥ 1, got \(target)")
        }
        _ = try Shape.count(target)
        self.target = target
    }

    public var header: String { "Reshape " + target.map(String.init).joined(separator: " ") }

    public func outputShape(for shape: [Int]) throws -> [Int] {
        guard let batch = shape.first, try Shape.count(Array(shape.dropFirst())) == Shape.count(target) else {
            throw LRPError.shape("cannot reshape \(Shape.describe(shape)) to N×\(Shape.describe(target))")
        }
        return [batch] + target
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
