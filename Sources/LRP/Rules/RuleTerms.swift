/// A rule written as sums over modified copies of a layer, the form every LRP rule takes on an affine map
/// z_j = Σ_i w_ij·x_i + b_j — the toolbox's rules as well as those of rules.md:
///
///     D_tj = Σ_h Σ_i half_h(x)_i · weight_t(w_ij, h) + bias_t(b_j)          (one "term" t per modified layer)
///     s_tj = coefficient_t · mask_t(z_j) · R_j / stabilize_t(D_tj)
///     R_i  = Σ_h half_h(x)_i · Σ_t Σ_j weight_t(w_ij, h) · s_tj
///
/// The halves are what the modified layers read (x⁺ and x⁻, x itself, ones over the receptive field for the
/// toolbox's ww and flat, or input-shaped tensors such as zᴮ's bounds, ones on the real inputs for zennit's
/// Flat, a(x) for the unified rule). Every rule is defined here once, and the same definition is evaluated by
/// three engines: Linear and Convolution as matrix products (`AffineMap`), pools window by window
/// (`Pooling.termsRelevance`), BatchNorm and Add connection by connection (`SparseAffine`).
struct RuleTerms {
    /// What one block of the stacked input holds.
    enum Half {
        /// x⁺ = max(x, 0).
        case positive
        /// x⁻ = min(x, 0).
        case negative
        /// x.
        case input
        /// 1 at every position of an output's receptive field, padding included (rules that read only the
        /// weights: the toolbox's ww and flat).
        case receptiveField
        /// An input-shaped tensor (batch included); padding reads 0.
        case tensor(Tensor)
    }

    /// How a term's denominator is kept away from zero.
    enum Stabilizer {
        /// d + v (the toolbox's alphabeta: +1e-16 and −1e-16).
        case fixed(Double)
        /// d + ε·sign(d), sign(0) = +1.
        case signed(Double)
        /// As `signed`, but with ε = 0 a denominator of exactly 0 gives 0 (the unified rule).
        case zeroSafe(Double)

        /// R/stabilize(d), times the coefficient, in the precision of `T` (the constants rounded to it).
        @inline(__always) func divide<T: Real>(_ numerator: T, _ d: T) -> T {
            switch self {
            case .fixed(let v): return numerator / (d + T(v))
            case .signed(let e): return numerator / (d + (d >= 0 ? T(e) : -T(e)))
            case .zeroSafe(let e):
                if e == 0 && d == 0 { return 0 }
                return numerator / (d + (d >= 0 ? T(e) : -T(e)))
            }
        }
    }

    /// Which outputs a term serves, by the sign of the layer's output z_j (the gamma rule).
    enum Mask {
        case all, positive, negative

        @inline(__always) func keeps<T: Real>(_ z: T) -> Bool {
            switch self {
            case .all: return true
            case .positive: return z > 0
            case .negative: return z < 0
            }
        }
    }

    /// One modified copy of the layer.
    struct Term {
        /// The modified weight for each half (one map for all halves when there is one entry).
        let weights: [WeightMap]
        /// The modified bias.
        let biasMap: WeightMap
        let coefficient: Double
        let stabilizer: Stabilizer
        let mask: Mask

        /// The map of the weights half `h` is multiplied with.
        @inline(__always) func map(_ h: Int) -> WeightMap { weights.count == 1 ? weights[0] : weights[h] }
        /// The modified weight for half h.
        @inline(__always) func weight(_ w: Double, _ h: Int) -> Double { map(h).apply(w) }
        /// The modified bias.
        @inline(__always) func bias(_ b: Double) -> Double { biasMap.apply(b) }

        /// True when the copy is the layer itself (weight w for every half, bias b): engines may then read
        /// the layer's weights and stored output instead of building modified ones.
        var unmodified: Bool { weights.allSatisfy(\.isIdentity) && biasMap.isIdentity }

        /// The layer itself, stabilized by `stabilizer`.
        static func layer(_ stabilizer: Stabilizer) -> Term {
            Term(weights: [.identity], biasMap: .identity, coefficient: 1, stabilizer: stabilizer, mask: .all)
        }

        /// Halves (x⁺, x⁻) read through (w⁺, w⁻), bias b⁺: the positive contributions (alphabeta's α term, z⁺).
        static func positive(_ coefficient: Double, _ stabilizer: Stabilizer) -> Term {
            Term(weights: [.positivePart, .negativePart], biasMap: .positivePart, coefficient: coefficient, stabilizer: stabilizer, mask: .all)
        }

        /// Halves (x⁺, x⁻) read through (w⁻, w⁺), bias b⁻: the negative contributions (alphabeta's β term).
        static func negative(_ coefficient: Double, _ stabilizer: Stabilizer) -> Term {
            Term(weights: [.negativePart, .positivePart], biasMap: .negativePart, coefficient: coefficient, stabilizer: stabilizer, mask: .all)
        }
    }

    /// The layers a rule is evaluated on, where the toolbox's constants differ between them.
    enum Layers {
        /// Linear, Convolution, BatchNorm and Add.
        case affine
        /// Sum and average pools: the toolbox's rules read a pool as the plain sum of its window (weights 1,
        /// the average's scale cancels) and its simple rule stabilizes by 1e-12; the other rules read the
        /// pool's weights.
        case pool
    }

    let halves: [Half]
    let terms: [Term]
    /// When set, the denominators of `terms[term]` (the last term) follow from the others and the layer's
    /// output: D_term = factor·z − Σ_others D_t. Engines that have the output z of the map the terms modify
    /// (matrix products, `SparseAffine`) take them so and compute one term fewer: the rules on the layer itself
    /// (simple, epsilon, norm) use D = z, the stored output; gamma's two modified layers sum to (2 + γ)·z.
    /// Pools compute every denominator (the toolbox's rules read their plain sums, not the output). Only for
    /// rules where that difference cannot cancel badly where the term is used (gamma uses D₋ only where z < 0,
    /// and there |D₋| ≥ |z|).
    var complement: (term: Int, factor: Double)? = nil
    /// True for the toolbox's rules, which read a pool as the plain sum of its window (see `Layers.pool`).
    var readsPoolsAsSums = false

    /// The terms of `rule` on `layers` for an input `x` whose last axis has `channels` entries. Pass and the
    /// gradient family are not LRP rules on affine maps (layers handle them before asking): an error.
    static func make(_ rule: Rule, input x: Tensor, channels: Int, on layers: Layers) throws -> RuleTerms {
        let split: [Half] = [.positive, .negative]
        switch rule {
        case .simple:
            // R_i = Σ_j z_ij·R_j / (z_j + ε·sign(z_j)) with the toolbox's ε: 1e-16, or 1e-12 on pools.
            return RuleTerms(halves: [.input], terms: [.layer(.signed(layers == .pool ? 1e-12 : 1e-16))], complement: (0, 1),
                             readsPoolsAsSums: true)
        case .epsilon(let eps):
            return RuleTerms(halves: [.input], terms: [.layer(.signed(eps))], complement: (0, 1), readsPoolsAsSums: true)
        case .norm(let eps):
            // zennit's Norm is LRP-ε with the output as it is (on pools: with their weights).
            return RuleTerms(halves: [.input], terms: [.layer(.signed(eps))], complement: (0, 1))
        case .ww:
            // R_i = Σ_j w_ij²/(Σ_i' w_i'j²)·R_j over the whole receptive field, bias ignored; 0 where all w_ij = 0.
            return RuleTerms(halves: [.receptiveField], terms: [Term(weights: [.square], biasMap: .zero, coefficient: 1,
                                                                     stabilizer: .zeroSafe(0), mask: .all)], readsPoolsAsSums: true)
        case .flat:
            // R_i = Σ_j R_j / (number of positions in j's receptive field).
            return RuleTerms(halves: [.receptiveField], terms: [Term(weights: [.one], biasMap: .zero, coefficient: 1,
                                                                     stabilizer: .zeroSafe(0), mask: .all)], readsPoolsAsSums: true)
        case .alphabeta(let alpha):
            let beta = 1 - alpha
            var terms: [Term] = []
            if alpha != 0 { terms.append(.positive(alpha, .fixed(1e-16))) }
            if beta != 0 { terms.append(.negative(beta, .fixed(-1e-16))) }
            return RuleTerms(halves: split, terms: terms, readsPoolsAsSums: true)
        case .zplus(let eps):
            return RuleTerms(halves: split, terms: [.positive(1, .signed(eps))])
        case .alphaBeta(let alpha, let beta, let eps):
            var terms: [Term] = []
            if alpha != 0 { terms.append(.positive(alpha, .signed(eps))) }
            if beta != 0 { terms.append(.negative(-beta, .signed(eps))) }
            return RuleTerms(halves: split, terms: terms)
        case .gamma(let gamma, let eps):
            // w + γw⁺ and w + γw⁻.
            let up = WeightMap(c1: 1, positive: gamma), down = WeightMap(c1: 1, negative: gamma)
            return RuleTerms(halves: split, terms: [
                Term(weights: [up, down], biasMap: up, coefficient: 1, stabilizer: .signed(eps), mask: .positive),
                Term(weights: [down, up], biasMap: down, coefficient: 1, stabilizer: .signed(eps), mask: .negative),
            ], complement: (term: 1, factor: 2 + gamma))
        case .zBox(let box):
            let (low, high) = try box.bounds(channels: channels)
            let l = try filled(like: x) { low[$0 % channels] }, u = try filled(like: x) { high[$0 % channels] }
            // d = z − (W⁺l + b⁺) − (W⁻h + b⁻): the bias cancels.
            return RuleTerms(halves: [.input, .tensor(l), .tensor(u)], terms: [
                Term(weights: [.identity, WeightMap(positive: -1), WeightMap(negative: -1)], biasMap: .zero, coefficient: 1,
                     stabilizer: .signed(box.epsilon), mask: .all),
            ])
        case .flatStabilized(let eps):
            return RuleTerms(halves: [.tensor(try ones(x))], terms: [Term(weights: [.one], biasMap: .zero, coefficient: 1,
                                                                          stabilizer: .signed(eps), mask: .all)])
        case .wSquareStabilized(let eps):
            return RuleTerms(halves: [.tensor(try ones(x))], terms: [Term(weights: [.square], biasMap: .square, coefficient: 1,
                                                                          stabilizer: .signed(eps), mask: .all)])
        case .unified(let u):
            let xs = x.data
            let a = try filled(like: x) { u.theta0 + u.theta1 * xs[$0] }
            var terms: [Term] = []
            if u.alpha != 0 {
                terms.append(Term(weights: [u.f], biasMap: .zero, coefficient: u.alpha, stabilizer: .zeroSafe(u.epsilon), mask: .all))
            }
            if u.beta != 0 {
                terms.append(Term(weights: [u.g], biasMap: .zero, coefficient: -u.beta, stabilizer: .zeroSafe(u.epsilon), mask: .all))
            }
            return RuleTerms(halves: [.tensor(a)], terms: terms)
        case .pass, .gradient, .gradientTimesInput, .sensitivity, .deconvnet, .guidedBackprop, .patternNet, .patternAttribution:
            throw LRPError.unsupported("rule \(rule) is not an LRP rule on a layer with weights")
        }
    }

    /// s_c = coefficient·mask(z_c)·R_c / stabilize(D_c) for c in 0..<count, in place of the denominators D (the
    /// common case, LRP-ε's form on every output, without a switch per value).
    @inline(__always)
    static func shares<T: Real>(_ d: UnsafeMutablePointer<T>, r: UnsafePointer<T>, z: UnsafePointer<T>, count: Int,
                                coefficient: Double, stabilizer: Stabilizer, mask: Mask) {
        let coefficient = T(coefficient)
        if case .all = mask, case .signed(let eps) = stabilizer {
            let e = T(eps)
            for c in 0..<count {
                let v = d[c]
                d[c] = coefficient * r[c] / (v + (v >= 0 ? e : -e))
            }
            return
        }
        for c in 0..<count { d[c] = mask.keeps(z[c]) ? stabilizer.divide(coefficient * r[c], d[c]) : 0 }
    }

    /// The halves that are not zero for input `x`, with their positions in `halves`: x⁺ of an input without
    /// positives (x⁻ without negatives, e.g. after a Rect) is left out.
    func halvesUsed(by x: Tensor) -> [(offset: Int, element: Half)] {
        let hasPositive = x.contains { $0 > 0 }, hasNegative = x.contains { $0 < 0 }
        return halves.enumerated().filter { _, half in
            switch half {
            case .positive: return hasPositive
            case .negative: return hasNegative
            default: return true
            }
        }
    }

    private static func ones(_ x: Tensor) throws -> Tensor { try filled(like: x) { _ in 1 } }

    /// A tensor of x's shape and precision with element i = value(i) (input-shaped halves).
    private static func filled(like x: Tensor, _ value: (Int) -> Double) throws -> Tensor {
        let t = try Tensor.uninitialized(x.shape, x.precision)
        func fill<T: Real>(_: T.Type) {
            let p = t.mutablePointer(T.self)
            for i in 0..<x.count { p[i] = T(value(i)) }
        }
        x.precision.select(fill(Double.self), fill(Float.self))
        return t
    }

    /// The value of half `h` at input element `i` of x (`xp`).
    @inline(__always) static func value<T: Real>(_ half: Half, _ xp: UnsafePointer<T>, _ i: Int) -> T {
        switch half {
        case .positive: return Swift.max(xp[i], 0)
        case .negative: return Swift.min(xp[i], 0)
        case .input: return xp[i]
        case .receptiveField: return 1
        case .tensor(let t): return t.pointer(T.self)[i]
        }
    }
}
