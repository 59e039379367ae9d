/// Masked flipping and re-prediction (VisLRPDesigner 2.4; spec/evaluation.md): the pixels a mask selects — a
/// brush stroke, or the pixels whose relevance lies in a range — are replaced by a fill (by default inverted,
/// ×−1, as VisLRPDesigner does) in all channels, and the model's outputs and top classes after are returned
/// beside those before.
public struct MaskedFlipping: Sendable {
    /// The fill of the masked pixels. Default: invert.
    public var fill = RegionPerturbation.Fill.invert
    /// The seed of uniform noise.
    public var seed: UInt64 = 0
    /// Top classes reported per sample. Default 5.
    public var top = 5
    /// Report the model's output; by default the logits (the input of a final SoftMax layer).
    public var probabilities = false

    /// The defaults.
    public init() {}

    /// What flipping changed.
    public struct Result: Sendable {
        /// The model's scores for the inputs as given (N×classes): logits, or the output with `probabilities`.
        public let before: Tensor
        /// The model's outputs for the flipped inputs.
        public let after: Tensor
        /// Per sample, the `top` classes before, best first (ties: the lower class).
        public let topBefore: [[Int]]
        /// Per sample, the `top` classes after.
        public let topAfter: [[Int]]
        /// The flipped inputs.
        public let flipped: Tensor
    }

    /// Flips the pixels of `x` (N×H×W×C) where `mask` (N·H·W values, or H·W for every sample; row-major) is true.
    public func run(_ model: any Network, inputs x: Tensor, mask: [Bool]) throws -> Result {
        guard x.rank == 4 else {
            throw LRPError.shape("flipping needs images N×H×W×C, got inputs of shape \(Shape.describe(x.shape))")
        }
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard mask.count == n * h * w || mask.count == h * w else {
            throw LRPError.shape("the mask has \(mask.count) values; images of \(h)×\(w) need \(h * w) (one for all) or \(n * h * w) (one per sample)")
        }
        guard top >= 1 else { throw LRPError.argument("top must be ≥ 1, got \(top)") }
        let values = x.data
        let replacement = try fill.values(replacing: values, shape: x.shape, seed: seed)
        var flipped = values
        let shared = mask.count == h * w
        for s in 0..<n {
            for p in 0..<(h * w) where mask[shared ? p : s * h * w + p] {
                let offset = (s * h * w + p) * c
                for ch in 0..<c { flipped[offset + ch] = replacement[offset + ch] }
            }
        }
        let flippedTensor = try Tensor(shape: x.shape, data: flipped)
        let before = try scores(model, x), after = try scores(model, flippedTensor)
        return Result(before: before, after: after, topBefore: Self.ranking(before, top), topAfter: Self.ranking(after, top),
                      flipped: flippedTensor)
    }

    /// The model's scores for `x`, as N×classes.
    func scores(_ model: any Network, _ x: Tensor) throws -> Tensor {
        let values = try RegionPerturbation.scores(model, x, probabilities: probabilities)
        let n = x.shape[0]
        return try Tensor(shape: [n, values.count / Swift.max(1, n)], data: values)
    }

    /// The `k` best classes of each row of `y`, best first; ties go to the lower class.
    static func ranking(_ y: Tensor, _ k: Int) -> [[Int]] {
        let (n, classes) = (y.shape[0], y.shape[1])
        let values = y.data
        return (0..<n).map { s in
            let row = Array(values[(s * classes)..<((s + 1) * classes)])
            let order = (0..<classes).sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }
            return Array(order.prefix(k))
        }
    }
}
