/// A fully connected layer: Y = X·W + B for X of shape N×m, W m×n, B n (the toolbox's `Linear(m, n)`).
public struct Linear: Layer {
    /// m, the number of inputs.
    public let inputs: Int
    /// n, the number of outputs.
    public let outputs: Int
    /// W, m×n in row-major order.
    public let weights: [Double]
    /// B, n values.
    public let bias: [Double]

    /// A layer with the given weights (m·n values, row-major) and bias (n values).
    public init(inputs: Int, outputs: Int, weights: [Double], bias: [Double]) throws {
        guard inputs >= 1, outputs >= 1 else {
            throw LRPError.argument("Linear needs dimensions ≥ 1, got \(inputs)×\(outputs)")
        }
        try BLAS.checkDimension(inputs, "Linear inputs")
        try BLAS.checkDimension(outputs, "Linear outputs")
        let (count, overflow) = inputs.multipliedReportingOverflow(by: outputs)
        guard !overflow, weights.count == count else {
            throw LRPError.shape("Linear \(inputs) \(outputs) needs \(inputs)×\(outputs) weights, got \(weights.count)")
        }
        guard bias.count == outputs else {
            throw LRPError.shape("Linear \(inputs) \(outputs) needs \(outputs) bias values, got \(bias.count)")
        }
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.bias = bias
    }

    public var header: String { "Linear \(inputs) \(outputs)" }

    public func outputShape(for shape: [Int]) throws -> [Int] {
        guard shape.count == 2, shape[1] == inputs else {
            throw LRPError.shape("expects input N×\(inputs), got \(Shape.describe(shape))")
        }
        return [shape[0], outputs]
    }

    /// The affine map of this layer for a batch of `batch` samples.
    func map(batch: Int) -> AffineMap {
        AffineMap(geometry: PatchGeometry(kind: .dense(features: inputs), batch: batch),
                  weights: weights, bias: bias, outputs: outputs)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let shape = try outputShape(for: x.shape)
        return try map(batch: shape[0]).forward(x, outputShape: shape)
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        return try map(batch: x.shape[0]).relevance(r, input: x, output: y, rule: rule)
    }
}
