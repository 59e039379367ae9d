/// A stacked rule's products (`AffineMap.stackedProducts`) for a float32 convolution, through oneDNN's
/// convolutions over the whole batch instead of im2col chunks:
///
///     D_t = Σ_h conv(h(x), M_th) + b_t            for the terms multiplied out (the complement from z)
///     s_t = coefficient·mask(z)·R / stabilize(D_t)
///     B_h = Σ_t convᵀ(s_t, M_th)                   (backward-data: the product with M_thᵀ, then col2im)
///     R_in += Σ_h h(x) ⊙ B_h                       (one half: B_0, weighted by the caller as before)
///
/// h(x) may be weighted after col2im because it depends on the input element alone, not on the patch.
/// Halves that are ones over the receptive field (ww, flat) stay on the chunked path.
extension AffineMap {
    func oneDNNProducts(_ conv: OneDNNConvolution, _ r: Tensor, _ x: Tensor, _ zOut: Tensor, into result: Tensor,
                        rule: RuleTerms, halves: [(offset: Int, element: RuleTerms.Half)],
                        matrices: [[UnsafePointer<Float>]]) throws {
        let m = outputs, terms = rule.terms
        let outCount = zOut.count, inCount = x.count
        let single = halves.count == 1
        // The halves as whole inputs: one half that is x (x⁺ without negatives, x⁻ without positives) is x itself.
        let inputs: [Tensor] = try halves.map { half in
            switch half.element {
            case .input: return x
            case .positive: return single ? x : try x.map { (v: Float) in Swift.max(v, 0) }
            case .negative: return single ? x : try x.map { (v: Float) in Swift.min(v, 0) }
            case .tensor(let t): return try t.converted(to: .float32)
            case .receptiveField: throw LRPError.state("ones over the receptive field take the chunked path")
            }
        }
        let complement = rule.complement.flatMap { $0.term == terms.count - 1 ? $0 : nil }
        let productTerms = complement == nil ? terms.count : terms.count - 1
        let denominators = try Tensor.uninitialized([terms.count, outCount], .float32)
        let d = denominators.mutablePointer(Float.self)
        let bp = bias.pointer(Float.self)
        var termBias = [Float](repeating: 0, count: m)
        let extra = halves.count > 1 && productTerms > 0 ? try Tensor.uninitialized([outCount], .float32) : nil
        for t in 0..<productTerms {
            for j in 0..<m { termBias[j] = terms[t].biasMap.apply(bp[j]) }
            let dt = d + t &* outCount
            try termBias.withUnsafeBufferPointer { b in
                try conv.forward(inputs[0].pointer(Float.self), weights: matrices[t][0], bias: b.baseAddress, into: dt)
            }
            for h in inputs.indices.dropFirst() {
                guard let extra else { break }
                let e = extra.mutablePointer(Float.self)
                try conv.forward(inputs[h].pointer(Float.self), weights: matrices[t][h], bias: nil, into: e)
                Parallel.forEachPart(outCount, grain: Parallel.elementGrain) { part in for i in part { dt[i] += e[i] } }
            }
        }
        let (rp, zp) = (r.pointer(Float.self), zOut.pointer(Float.self))
        let masks = terms.map(\.mask), stabilizers = terms.map(\.stabilizer), coefficients = terms.map(\.coefficient)
        Parallel.forEachPart(outCount / Swift.max(1, m), grain: Swift.max(1, Parallel.elementGrain / Swift.max(1, m))) { rows in
            let start = rows.lowerBound &* m, count = rows.count &* m
            if let (last, factor) = complement {
                // D_last = factor·z − Σ_others D_t.
                let lastRow = d + last &* outCount + start
                for c in 0..<count { lastRow[c] = Float(factor) * zp[start + c] }
                for t in 0..<last {
                    let tRow = d + t &* outCount + start
                    for c in 0..<count { lastRow[c] -= tRow[c] }
                }
            }
            for t in 0..<terms.count {
                RuleTerms.shares(d + t &* outCount + start, r: rp + start, z: zp + start, count: count,
                                 coefficient: coefficients[t], stabilizer: stabilizers[t], mask: masks[t])
            }
        }
        let out = result.mutablePointer(Float.self)
        if single {
            // result is zeros: the first term writes it, the others add.
            for t in 0..<terms.count {
                try conv.backwardData(d + t &* outCount, weights: matrices[t][0], into: out, accumulate: t > 0)
            }
            return
        }
        let back = try Tensor.uninitialized(x.shape, .float32)
        let bk = back.mutablePointer(Float.self)
        for h in inputs.indices {
            for t in 0..<terms.count {
                try conv.backwardData(d + t &* outCount, weights: matrices[t][h], into: bk, accumulate: t > 0)
            }
            let hp = inputs[h].pointer(Float.self)
            Parallel.forEachPart(inCount, grain: Parallel.elementGrain) { part in for i in part { out[i] += hp[i] * bk[i] } }
        }
    }
}
