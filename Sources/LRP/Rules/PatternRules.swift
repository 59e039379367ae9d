/// PatternNet and PatternAttribution on a kernel layer (spec/patterns.md, "Backward passes"): the layer's
/// gradient with W replaced by the pattern A (PatternNet) or by A ⊙ W (PatternAttribution). Every other layer
/// passes the gradient (Rect gated by the forward pass, MaxPool to its maximum), as `Rule.isGradientFamily` says.
extension KernelLayer {
    /// The input's signal (PatternNet) or relevance (PatternAttribution) for `r` at the output.
    func patternRelevance(_ r: Tensor, input x: Tensor, rule: Rule) throws -> Tensor {
        guard let a = pattern else {
            throw LRPError.state("\(rule.name) needs this layer's pattern, and none is set: fit patterns or load them first")
        }
        let map = try affineMap(for: x.shape)
        func product<T: Real>(_: T.Type) throws -> Tensor { try a.elementwise(weights) { (a: T, w: T) in a * w } }
        let matrix = rule == .patternAttribution ? try a.precision.select(product(Double.self), product(Float.self)) : a
        let signal = try map.replacingWeights(matrix).inputGradient(r, x)
        return rule == .patternNet ? try signal.projectedPerSample() : signal
    }
}

extension AffineMap {
    /// The same map with another K×M matrix in place of W (same shape and precision, same bias and groups).
    func replacingWeights(_ matrix: Tensor) -> AffineMap {
        AffineMap(geometry: geometry, weights: matrix, bias: bias, outputs: outputs, groups: groups, modified: ModifiedWeights())
    }
}

extension Tensor {
    /// iNNvestigate's projection of a reversed tensor (layers.Project): each sample divided by its largest
    /// magnitude (a sample of zeros stays zero), for tensors of rank ≥ 3; vectors (N×D) are left as they are.
    func projectedPerSample() throws -> Tensor {
        guard rank >= 3, let batch = shape.first, batch > 0 else { return self }
        let per = count / batch
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let out = try Tensor.uninitialized(shape, T.self)
            let (src, dst) = (pointer(T.self), out.mutablePointer(T.self))
            for n in 0..<batch {
                var largest: T = 0
                for i in 0..<per { largest = Swift.max(largest, abs(src[n * per + i])) }
                let scale = largest == 0 ? 1 : largest
                for i in 0..<per { dst[n * per + i] = src[n * per + i] / scale }
            }
            return withExtendedLifetime(self) { out }
        }
        return try precision.select(run(Double.self), run(Float.self))
    }
}
