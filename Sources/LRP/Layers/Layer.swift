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

    /// The plain gradient for the input given `r` at the output (a vector–Jacobian product, without the
    /// toolbox's training scale factors): what the gradient family of rules propagates. `mode` changes Rect's
    /// (DeconvNet, guided backpropagation); other layers ignore it.
    func gradient(_ r: Tensor, input x: Tensor, output y: Tensor, mode: GradientMode) throws -> Tensor
}

/// How a Rect passes gradients back in the gradient family of rules.
public enum GradientMode: Sendable {
    /// The gradient: masked by forward activity.
    case plain
    /// DeconvNet: max(0, R), ignoring the forward mask.
    case deconvnet
    /// Guided backpropagation: masked by forward activity and by R > 0.
    case guided
}

extension Layer {
    /// Layers without parameters have none.
    public var parameters: [Tensor] { [] }

    /// Layers without parameters have nothing to update.
    public func update(_ gradients: [Tensor], outputShape: [Int], learningRate: Double) throws {}

    /// The gradient of `backward` (right for every layer whose training backward has no scale factor).
    public func gradient(_ r: Tensor, input x: Tensor, output y: Tensor, mode: GradientMode) throws -> Tensor {
        try backward(try r.reshaped(y.shape), input: x, output: y).input
    }

    /// The relevance for the rules of the gradient family (`Rule.isGradientFamily`), layer by layer:
    /// gradient, deconvnet and guided_backprop propagate gradients; gradient_x_input and sensitivity give
    /// x⊙gradient and gradient² of this layer alone (a whole network applies them once, at its input).
    public func gradientRelevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        switch rule {
        case .deconvnet: return try gradient(r, input: x, output: y, mode: .deconvnet)
        case .guidedBackprop: return try gradient(r, input: x, output: y, mode: .guided)
        case .gradientTimesInput:
            // A new tensor: the gradient may be a view of r (Flatten, Reshape), which belongs to the caller.
            let g = try gradient(r, input: x, output: y, mode: .plain)
            func product<T: Real>(_: T.Type) throws -> Tensor { try g.elementwise(x) { (g: T, x: T) in g * x } }
            return try g.precision.select(product(Double.self), product(Float.self))
        case .sensitivity:
            let g = try gradient(r, input: x, output: y, mode: .plain)
            func square<T: Real>(_: T.Type) throws -> Tensor { try g.map { (g: T) in g * g } }
            return try g.precision.select(square(Double.self), square(Float.self))
        default: return try gradient(r, input: x, output: y, mode: .plain)
        }
    }

    /// The error for the pass rule on a layer that is not element-wise.
    func passRefused() -> LRPError {
        .argument("the pass rule is for element-wise and reshaping layers; \(header) needs an LRP rule")
    }

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

    /// This layer when its parameters are in `precision` (or it has none), else a copy in `precision`.
    public func converted(to precision: Precision) throws -> any Layer {
        parameters.allSatisfy { $0.precision == precision } ? self : try copy(in: precision)
    }

    /// A copy with its own parameter storage in `precision`.
    public func copy(in precision: Precision) throws -> any Layer {
        try replacingParameters(try parameters.map { $0.precision == precision ? try $0.copy() : try $0.converted(to: precision) })
    }
}

/// W −= scale·dW written into the parameter's storage.
func subtract(_ gradient: Tensor, scaledBy scale: Double, from parameter: Tensor) throws {
    guard gradient.count == parameter.count else {
        throw LRPError.shape("gradient \(Shape.describe(gradient.shape)) does not fit parameter \(Shape.describe(parameter.shape))")
    }
    func run<T: Real>(_: T.Type) throws {
        let s = T(scale)
        try gradient.withUnsafeBufferPointer(as: T.self) { g in
            try parameter.withUnsafeMutableStorage(as: T.self) { p in
                for i in p.indices { p[i] -= s * g[i] }
            }
        }
    }
    try parameter.precision.select(run(Double.self), run(Float.self))
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
