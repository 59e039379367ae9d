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
