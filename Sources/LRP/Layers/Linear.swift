/// A fully connected layer: Y = X·W + B for X of shape N×m, W m×n, B n (the toolbox's `Linear(m, n)`).
public struct Linear: Layer, KernelLayer {
    /// m, the number of inputs.
    public let inputs: Int
    /// n, the number of outputs.
    public let outputs: Int
    /// W, m×n. Shared storage: writing through `withUnsafeMutableStorage` changes the layer.
    public let weights: Tensor
    /// B, n values (shared like `weights`).
    public let bias: Tensor
    /// W⁺, W⁻ and the other modified weights rules read, kept until W changes.
    let modified = ModifiedWeights()
    /// The PatternNet signal directions (shaped like W), when fitted or loaded.
    let patternSlot: PatternSlot
    /// One group: every output sees every input.
    public var groups: Int { 1 }

    /// A layer with the given weights (m·n values, row-major) and bias (n values).
    public init(inputs: Int, outputs: Int, weights: [Double], bias: [Double]) throws {
        try Self.validate(inputs, outputs)
        guard weights.count == inputs * outputs else {
            throw LRPError.shape("Linear \(inputs) \(outputs) needs \(inputs)×\(outputs) weights, got \(weights.count)")
        }
        guard bias.count == outputs else {
            throw LRPError.shape("Linear \(inputs) \(outputs) needs \(outputs) bias values, got \(bias.count)")
        }
        try self.init(weights: try Tensor(shape: [inputs, outputs], data: weights), bias: try Tensor(shape: [outputs], data: bias))
    }

    /// A layer sharing the given parameter tensors (W of shape m×n, B of shape n).
    public init(weights: Tensor, bias: Tensor) throws {
        try self.init(weights: weights, bias: bias, patterns: PatternSlot())
    }

    /// A layer sharing the given parameter tensors and pattern slot.
    init(weights: Tensor, bias: Tensor, patterns: PatternSlot) throws {
        guard weights.rank == 2, bias.shape == [weights.shape[1]] else {
            throw LRPError.shape("Linear needs W of shape m×n and B of shape n, got \(Shape.describe(weights.shape)) and \(Shape.describe(bias.shape))")
        }
        try Self.validate(weights.shape[0], weights.shape[1])
        (inputs, outputs) = (weights.shape[0], weights.shape[1])
        self.weights = weights
        self.bias = bias
        patternSlot = patterns
    }

    /// Checks the dimensions: ≥ 1 and within BLAS's 32-bit sizes (so m·n cannot overflow either).
    private static func validate(_ inputs: Int, _ outputs: Int) throws {
        guard inputs >= 1, outputs >= 1 else {
            throw LRPError.argument("Linear needs dimensions ≥ 1, got \(inputs)×\(outputs)")
        }
        try BLAS.checkDimension(inputs, "Linear inputs")
        try BLAS.checkDimension(outputs, "Linear outputs")
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
                  weights: weights, bias: bias, outputs: outputs, groups: 1, modified: modified)
    }

    /// The affine map for an input of `shape` (checked).
    func affineMap(for shape: [Int]) throws -> AffineMap { map(batch: try outputShape(for: shape)[0]) }

    public func forward(_ x: Tensor) throws -> Tensor {
        let shape = try outputShape(for: x.shape)
        return try map(batch: shape[0]).forward(x, outputShape: shape)
    }

    public var parameters: [Tensor] { [weights, bias] }

    public func replacingParameters(_ tensors: [Tensor]) throws -> any Layer {
        guard tensors.count == 2, tensors[0].shape == weights.shape, tensors[1].shape == bias.shape else {
            throw LRPError.shape("\(header) takes W \(Shape.describe(weights.shape)) and B \(Shape.describe(bias.shape))")
        }
        return try Linear(weights: tensors[0], bias: tensors[1], patterns: try patternSlot.copy(in: tensors[0].precision))
    }

    /// dW = Xᵀ·DY, dB = Σ DY over the batch; returns DY·Wᵀ·sqrt(m)/sqrt(n) (the toolbox's conditioning).
    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        let g = try map(batch: x.shape[0]).gradients(dy, input: x)
        let scale = Double(inputs).squareRoot() / Double(outputs).squareRoot()
        func run<T: Real>(_: T.Type) {
            let dx = g.input.mutablePointer(T.self)
            for i in 0..<g.input.count { dx[i] *= T(scale) }
        }
        g.input.precision.select(run(Double.self), run(Float.self))
        return (g.input, [g.weights, g.bias])
    }

    /// W −= lr·dW/sqrt(m); B −= lr·dB/n^(1/4).
    public func update(_ gradients: [Tensor], outputShape: [Int], learningRate: Double) throws {
        guard gradients.count == 2 else { throw LRPError.state("\(header) has no gradients: run backward first") }
        try subtract(gradients[0], scaledBy: learningRate / Double(inputs).squareRoot(), from: weights)
        try subtract(gradients[1], scaledBy: learningRate / Double(outputs).squareRoot().squareRoot(), from: bias)
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        if rule.usesPatterns { return try patternRelevance(r, input: x, rule: rule) }
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return try map(batch: x.shape[0]).relevance(r, input: x, output: y, rule: rule)
    }

    /// r·Wᵀ, without the toolbox's training scale factor.
    public func gradient(_ r: Tensor, input x: Tensor, output y: Tensor, mode: GradientMode) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        return try map(batch: x.shape[0]).inputGradient(r, x)
    }
}
