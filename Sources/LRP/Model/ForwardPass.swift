/// What one layer keeps from its last forward pass (its input and output) and from its last backward pass
/// (the gradients of its parameters) — what a toolbox module stores in its X, Y, dW and dB.
public struct LayerTrace: Sendable {
    /// The layer's input.
    public let input: Tensor
    /// The layer's output.
    public let output: Tensor
    /// The parameter gradients of the last backward pass through this trace (empty before any).
    public internal(set) var gradients: [Tensor] = []

    /// A trace of a forward pass.
    public init(input: Tensor, output: Tensor) {
        self.input = input
        self.output = output
    }
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

    /// The first layer's input (the batch of the last full pass), if it ran.
    public var input: Tensor? { traces.first??.input }
    /// The last layer's output, if it ran.
    public var output: Tensor? { traces.last??.output }
}
