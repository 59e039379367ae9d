import Synchronization

/// A layer with a kernel — Linear or Convolution: y = patches(x)·W + b with W read as a K×M matrix. These are
/// the layers PatternNet and PatternAttribution (Kindermans et al. 2018) learn a signal direction for, one per
/// output neuron (a convolution's neuron is its output channel).
protocol KernelLayer: Layer {
    /// W: K×M (Linear m×n) or hf×wf×df×nf (Convolution); the pattern has this shape.
    var weights: Tensor { get }
    /// B, M values.
    var bias: Tensor { get }
    /// Channel groups (1 for Linear): with g > 1 neuron j sees only the input channels of its group.
    var groups: Int { get }
    /// The layer's learned signal directions, set by fitting or loading.
    var patternSlot: PatternSlot { get }
    /// The affine map for an input of `shape` (checked).
    func affineMap(for shape: [Int]) throws -> AffineMap
}

extension KernelLayer {
    /// K, the values each neuron reads (hf·wf·df, or m).
    var patchSize: Int { weights.count / Swift.max(1, bias.count) }
    /// M, the neurons.
    var neurons: Int { bias.count }

    /// The pattern A, shaped like W and in W's precision, or nil when none is set.
    var pattern: Tensor? { patternSlot.value }

    /// Sets (or with nil clears) the pattern: shaped like W (or with W's element count), converted to W's
    /// precision and copied, so the caller's tensor stays theirs.
    func setPattern(_ pattern: Tensor?) throws {
        patternSlot.set(try checkedPattern(pattern))
    }

    /// `pattern` as this layer stores it — checked (element count, finite), shaped like W, in W's precision, a
    /// copy — or nil for nil.
    func checkedPattern(_ pattern: Tensor?) throws -> Tensor? {
        guard let pattern else { return nil }
        guard pattern.count == weights.count else {
            throw LRPError.shape("the pattern of \(header) has \(pattern.count) values (\(Shape.describe(pattern.shape))); its kernel \(Shape.describe(weights.shape)) has \(weights.count)")
        }
        guard pattern.data.allSatisfy(\.isFinite) else { throw LRPError.argument("the pattern of \(header) holds values that are not finite") }
        return try (pattern.precision == weights.precision ? pattern : try pattern.converted(to: weights.precision)).reshaped(weights.shape).copy()
    }

    /// Row k of W (patch position k) belongs to neuron j's group: always for one group.
    func connects(row k: Int, neuron j: Int) -> Bool {
        guard groups > 1 else { return true }
        let channels = weights.rank == 4 ? weights.shape[2] : patchSize
        return (k % channels) / (channels / groups) == j / (neurons / groups)
    }
}

/// Where a kernel layer keeps its pattern: shared by the copies of the layer value that share its weights, and
/// replaced as a whole (a reader keeps the tensor it got).
final class PatternSlot: Sendable {
    private let stored = Mutex<Tensor?>(nil)

    /// An empty slot, or one holding `pattern`.
    init(_ pattern: Tensor? = nil) { stored.withLock { $0 = pattern } }

    /// The pattern, if set.
    var value: Tensor? { stored.withLock { $0 } }

    /// Replaces the pattern (already checked by `KernelLayer.checkedPattern`).
    func set(_ pattern: Tensor?) { stored.withLock { $0 = pattern } }

    /// A new slot for a copy of the layer with weights in `precision`: the pattern copied and converted.
    func copy(in precision: Precision) throws -> PatternSlot {
        guard let p = value else { return PatternSlot() }
        return PatternSlot(p.precision == precision ? try p.copy() : try p.converted(to: precision))
    }
}
