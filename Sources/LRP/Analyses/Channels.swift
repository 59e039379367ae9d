/// Neurons and channels of a layer (VisLRPDesigner 2.5, Concept Relevance Propagation; spec/evaluation.md): a
/// channel is one entry of the last axis of a layer's output — a unit of a Linear layer, a feature map of a
/// convolution.
public struct ChannelStatistics: Sendable {
    /// Per sample and channel (N×C), Σ max(R_l, 0) over the channel's positions.
    public let positive: Tensor
    /// Per sample and channel, Σ min(R_l, 0).
    public let negative: Tensor
    /// Per sample and channel, Σ a_l, the layer's output.
    public let activation: Tensor
}

extension Tensor {
    /// A copy with channels `channels` (entries of the last axis) set to 0; an error names a channel out of range.
    public func zeroingChannels(_ channels: [Int]) throws -> Tensor {
        try keepingChannels(channels, keep: false)
    }

    /// A copy that keeps channels `channels` (keep) or all others (!keep), zeros elsewhere.
    func keepingChannels(_ channels: [Int], keep: Bool) throws -> Tensor {
        guard let c = shape.last, rank >= 2 else { throw LRPError.shape("a tensor of shape \(Shape.describe(shape)) has no channel axis") }
        var selected = [Bool](repeating: false, count: c)
        for channel in channels {
            guard channel >= 0, channel < c else { throw LRPError.argument("channel \(channel) is out of range: the layer has \(c) channels") }
            selected[channel] = true
        }
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let out = try copy()
            let p = out.mutablePointer(T.self)
            for i in 0..<count where selected[i % c] != keep { p[i] = 0 }
            return out
        }
        return try precision.select(run(Double.self), run(Float.self))
    }
}

extension Network {
    /// The relevance at the output of `layer` for the relevance `r` of the model output, by `rule` (nil: the
    /// presets), from one backward pass that stops there.
    public func relevance(atOutputOf layer: Int, _ r: Tensor, of pass: ForwardPass, rule: Rule?) throws -> Tensor {
        let result = try explain(r, of: pass, request: RelevanceRequest(rule: rule, outputs: [layer], until: layer))
        guard let out = result.atOutputs.first else { throw LRPError.state("no relevance at \(name(of: layer))") }
        return out
    }

    /// Per sample and channel of `layer`: positive and negative relevance and activation (VisLRPDesigner's three
    /// neuron charts), for the relevance `r` of the model output.
    public func channelStatistics(_ r: Tensor, of pass: ForwardPass, layer: Int, rule: Rule?) throws -> ChannelStatistics {
        let relevance = try self.relevance(atOutputOf: layer, r, of: pass, rule: rule)
        guard let trace = pass.traces[layer] else { throw LRPError.state("\(name(of: layer)) has no forward pass yet: run forward first") }
        let a = trace.output
        guard let c = a.shape.last, a.rank >= 2 else { throw LRPError.shape("the output of \(name(of: layer)) has no channel axis") }
        let n = a.shape[0], values = relevance.data, activations = a.data
        var positive = [Double](repeating: 0, count: n * c), negative = positive, activation = positive
        let per = a.count / Swift.max(1, n)
        for s in 0..<n {
            for i in 0..<per {
                let (index, channel) = (s * per + i, s * c + i % c)
                let v = values[index]
                if v > 0 { positive[channel] += v } else { negative[channel] += v }
                activation[channel] += activations[index]
            }
        }
        return ChannelStatistics(positive: try Tensor(shape: [n, c], data: positive), negative: try Tensor(shape: [n, c], data: negative),
                                 activation: try Tensor(shape: [n, c], data: activation))
    }

    /// Conditional relevance (CRP): for each channel set, the relevance at the model input that flows through
    /// those channels of `layer` only — the relevance at the layer's output masked to them and propagated down
    /// from there. One backward pass to the layer, then one per set; relevance that would pass the layer by on
    /// parallel branches of a graph is left out.
    public func conditionalRelevance(_ r: Tensor, of pass: ForwardPass, layer: Int, channelSets: [[Int]],
                                     rule: Rule?) throws -> [Tensor] {
        let atLayer = try relevance(atOutputOf: layer, r, of: pass, rule: rule)
        return try channelSets.enumerated().map { k, channels in
            let masked = try withContext("channel set \(k)") { try atLayer.keepingChannels(channels, keep: true) }
            return try explain(masked, of: pass, request: RelevanceRequest(rule: rule, start: layer)).input
        }
    }
}
