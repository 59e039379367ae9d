/// What a forward pass leaves for relevance: the activations x_0 (the input), x_1, …, x_L (the output),
/// where layer k maps x_k to x_{k+1}. Each activation is stored once (a layer's output is the next layer's
/// input) and reshapes share storage.
public struct ForwardPass: Sendable {
    /// x_0 … x_L.
    public let activations: [Tensor]

    /// The batch the pass ran on.
    public var input: Tensor { activations[0] }
    /// The model's output for it.
    public var output: Tensor { activations[activations.count - 1] }
}
