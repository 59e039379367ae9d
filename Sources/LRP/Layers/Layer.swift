/// One layer of a network: a value holding its parameters, with a forward pass and relevance propagation.
///
/// Layers are immutable during a pass: what relevance needs from the forward pass (the layer's input and
/// output) is kept by `ForwardPass`, not by the layer.
public protocol Layer: Sendable {
    /// The layer's header line in the plain-text model format, e.g. "Linear 784 300" or "Rect".
    var header: String { get }

    /// The output shape for an input of `shape`; `LRPError.shape` says what does not fit.
    func outputShape(for shape: [Int]) throws -> [Int]

    /// The forward pass on a batch.
    func forward(_ x: Tensor) throws -> Tensor

    /// The relevance of the layer's input given the relevance `r` of its output, the input `x` and output `y`
    /// of the forward pass, and the rule.
    func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor

    /// The backward pass of training, as the LRP Toolbox scales it: the gradient for the input given the
    /// gradient `dy` of the output, and the gradients of the parameters (in `parameters` order).
    func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor])

    /// The parameters in the text format's order ("W", "B"); empty for layers without any. The tensors are
    /// the layer's own storage: writing them changes the layer.
    var parameters: [Tensor] { get }

    /// Applies one gradient step with the gradients `backward` returned for an output of `outputShape`,
    /// scaled as the toolbox does, writing the parameters in place.
    func update(_ gradients: [Tensor], outputShape: [Int], learningRate: Double) throws

    /// The same layer with its parameters in the given tensors (same shapes), e.g. fresh copies.
    func replacingParameters(_ tensors: [Tensor]) throws -> any Layer
}

extension Layer {
    /// Layers without parameters have none.
    public var parameters: [Tensor] { [] }

    /// Layers without parameters have nothing to update.
    public func update(_ gradients: [Tensor], outputShape: [Int], learningRate: Double) throws {}

    /// Layers without parameters are their own copy.
    public func replacingParameters(_ tensors: [Tensor]) throws -> any Layer {
        guard tensors.isEmpty else { throw LRPError.argument("\(header) has no parameters") }
        return self
    }

    /// The parameters' names in the text format ("W", "B").
    public var parameterNames: [String] { parameters.count == 2 ? ["W", "B"] : [] }

    /// A copy with its own parameter storage.
    public func deepCopy() throws -> any Layer {
        try replacingParameters(try parameters.map { try $0.copy() })
    }
}

/// W −= scale·dW written into the parameter's storage.
func subtract(_ gradient: Tensor, scaledBy scale: Double, from parameter: Tensor) throws {
    guard gradient.count == parameter.count else {
        throw LRPError.shape("gradient \(Shape.describe(gradient.shape)) does not fit parameter \(Shape.describe(parameter.shape))")
    }
    let g = gradient.pointer
    parameter.withUnsafeMutableStorage { p in
        for i in p.indices { p[i] -= scale * g[i] }
    }
}

/// The number of values per output-pixel chunk that layers process at a time: large enough for efficient
/// matrix products, small enough to stay in cache and keep relevance's extra memory small.
let chunkBudget = 1 << 17

/// Throws a shape error unless `shape` has rank `rank`.
func expectRank(_ shape: [Int], _ rank: Int, _ form: String) throws {
    guard shape.count == rank else {
        throw LRPError.shape("expects input \(form), got \(Shape.describe(shape))")
    }
}
