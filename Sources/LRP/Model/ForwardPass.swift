/// What one layer keeps from its last forward pass (its input and output) and from its last backward pass
/// (the gradients of its parameters) — what a toolbox module stores in its X, Y, dW and dB.
public struct LayerTrace: Sendable {
    /// The layer's inputs (one, or several for a merge node of a graph).
    public let inputs: [Tensor]
    /// The layer's output.
    public let output: Tensor
    /// The parameter gradients of the last backward pass through this trace (empty before any).
    public internal(set) var gradients: [Tensor] = []

    /// A trace of a single-input layer's forward pass.
    public init(input: Tensor, output: Tensor) {
        self.init(inputs: [input], output: output)
    }

    /// A trace of a merge node's forward pass.
    public init(inputs: [Tensor], output: Tensor) {
        self.inputs = inputs
        self.output = output
    }

    /// The (first) input.
    public var input: Tensor { inputs.first ?? output }
}

/// The traces of all layers of a model. A full forward pass fills every entry; running one layer on its
/// own replaces that layer's entry only, as calling one toolbox module's forward does.
public struct ForwardPass: Sendable {
    /// One entry per layer, nil where the layer has not run.
    public var traces: [LayerTrace?]

    /// Traces for `layers` layers, none of which has run.
    public init(layers: Int) {
        traces = Array(repeating: nil, count: layers)
    }

    /// The model's input of the last full pass, if there was one.
    public internal(set) var input: Tensor?
    /// The model's output of the last full pass, if there was one.
    public internal(set) var output: Tensor?
}
