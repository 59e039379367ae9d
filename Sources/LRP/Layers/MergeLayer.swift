/// A graph node that combines several inputs into one output (Add, Concatenate).
public protocol MergeLayer: Sendable {
    /// The node's description ("Add", "Concatenate").
    var header: String { get }
    /// The output shape for the inputs' shapes; `LRPError.shape` says what does not fit.
    func outputShape(for shapes: [[Int]]) throws -> [Int]
    /// The forward pass.
    func forward(_ xs: [Tensor]) throws -> Tensor
    /// The relevance of each input for the relevance `r` of the output.
    func relevance(_ r: Tensor, inputs xs: [Tensor], output y: Tensor, rule: Rule) throws -> [Tensor]
    /// The gradient of each input for the gradient `dy` of the output.
    func backward(_ dy: Tensor, inputs xs: [Tensor], output y: Tensor) throws -> [Tensor]
}
