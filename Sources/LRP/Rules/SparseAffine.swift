/// The rules of `RuleTerms` on layers whose outputs each read a few inputs with known weights — BatchNorm (one
/// input per output) and Add (each summand with weight 1) — evaluated output by output, with the same
/// definitions as the matrix products of `AffineMap` (pools have their own window-by-window form,
/// `Pooling.termsRelevance`). There is no padding: the receptive field of an output is its connections.
struct SparseAffine {
    /// Number of outputs.
    let outputCount: Int
    /// Calls `visit(input index, weight)` for every input of output j.
    let connections: (Int, (Int, Double) -> Void) -> Void
    /// The bias of output j.
    let bias: (Int) -> Double

    /// The relevance of the input `x` (all inputs concatenated, for Add) for relevance `r` of the outputs `z`.
    func relevance(_ r: Tensor, input x: Tensor, output z: Tensor, terms rule: RuleTerms) throws -> Tensor {
        guard r.count == outputCount, z.count == outputCount else {
            throw LRPError.shape("relevance of \(r.count) values for a layer of \(outputCount) outputs")
        }
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let (r, z) = (try r.converted(to: x.precision), try z.converted(to: x.precision))
            let result = try Tensor.zeros(x.shape, x.precision)
            withExtendedLifetime((r, z)) {
                evaluate(rule, x.pointer(T.self), r.pointer(T.self), z.pointer(T.self), into: result.mutablePointer(T.self))
            }
            return result
        }
        return try x.precision.select(run(Double.self), run(Float.self))
    }

    /// The body of `relevance` in the precision `T`: adds each output's shares into `out`.
    private func evaluate<T: Real>(_ rule: RuleTerms, _ xp: UnsafePointer<T>, _ rp: UnsafePointer<T>, _ zp: UnsafePointer<T>,
                                   into out: UnsafeMutablePointer<T>) {
        let halves = rule.halves, terms = rule.terms
        var denominators = [T](repeating: 0, count: terms.count)
        var shares = [T](repeating: 0, count: terms.count)
        // A complement term's denominator follows from the others and the output (simple, epsilon: D = z).
        let complement = rule.complement.flatMap { $0.term == terms.count - 1 ? $0 : nil }
        let computed = complement == nil ? terms.count : terms.count - 1
        for j in 0..<outputCount {
            for t in 0..<computed { denominators[t] = T(terms[t].bias(bias(j))) }
            connections(j) { i, w in
                for (h, half) in halves.enumerated() {
                    let value = RuleTerms.value(half, xp, i)
                    if value != 0 { for t in 0..<computed { denominators[t] += value * T(terms[t].weight(w, h)) } }
                }
            }
            if let (last, factor) = complement {
                denominators[last] = T(factor) * zp[j]
                for t in 0..<last { denominators[last] -= denominators[t] }
            }
            var any = false
            for (t, term) in terms.enumerated() {
                shares[t] = term.mask.keeps(zp[j]) ? term.stabilizer.divide(T(term.coefficient) * rp[j], denominators[t]) : 0
                if shares[t] != 0 { any = true }
            }
            guard any else { continue }
            connections(j) { i, w in
                var total: T = 0
                for (h, half) in halves.enumerated() {
                    let value = RuleTerms.value(half, xp, i)
                    guard value != 0 else { continue }
                    var back: T = 0
                    for t in terms.indices { back += T(terms[t].weight(w, h)) * shares[t] }
                    total += value * back
                }
                out[i] += total
            }
        }
    }
}
