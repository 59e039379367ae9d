/// A rule written as sums over modified copies of a layer, the form every rule of rules.md takes on an affine
/// map z_j = Σ_i w_ij·x_i + b_j:
///
///     D_tj = Σ_h Σ_i half_h(x)_i · weight_t(w_ij, h) + bias_t(b_j)          (one "term" t per modified layer)
///     s_tj = coefficient_t · mask_t(z_j) · R_j / stabilize_t(D_tj)
///     R_i  = Σ_h half_h(x)_i · Σ_t Σ_j weight_t(w_ij, h) · s_tj
///
/// The halves are what the modified layers read (x⁺ and x⁻, x itself, or input-shaped tensors such as zᴮ's
/// bounds, ones for flat, a(x) for the unified rule). Linear and Convolution evaluate it as matrix products
/// (`AffineMap`); pools window by window (`Pooling.termsRelevance`); BatchNorm and Add connection by connection
/// (`SparseAffine`). One definition per rule serves all three.
struct RuleTerms {
    /// What one block of the stacked input holds.
    enum Half {
        /// x⁺ = max(x, 0).
        case positive
        /// x⁻ = min(x, 0).
        case negative
        /// x.
        case input
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

        /// R/stabilize(d), times the coefficient.
        @inline(__always) func divide(_ numerator: Double, _ d: Double) -> Double {
            switch self {
            case .fixed(let v): return numerator / (d + v)
            case .signed(let e): return numerator / (d + (d >= 0 ? e : -e))
            case .zeroSafe(let e):
                if e == 0 && d == 0 { return 0 }
                return numerator / (d + (d >= 0 ? e : -e))
            }
        }
    }

    /// Which outputs a term serves, by the sign of the layer's output z_j (the gamma rule).
    enum Mask {
        case all, positive, negative

        @inline(__always) func keeps(_ z: Double) -> Bool {
            switch self {
            case .all: return true
            case .positive: return z > 0
            case .negative: return z < 0
            }
        }
    }

    /// One modified copy of the layer.
    struct Term {
        /// The modified weight for half h.
        let weight: (Double, Int) -> Double
        /// The modified bias.
        let bias: (Double) -> Double
        let coefficient: Double
        let stabilizer: Stabilizer
        let mask: Mask
    }

    let halves: [Half]
    let terms: [Term]
    /// When set, the denominators of `terms[term]` (the last term) follow from the others and the layer's
    /// output: D_term = factor·z − Σ_others D_t. Matrix products then compute one term fewer (gamma: the two
    /// modified layers sum to (2 + γ)·z). Only for rules where that difference cannot cancel badly where the
    /// term is used (gamma uses D₋ only where z < 0, and there |D₋| ≥ |z|).
    var complement: (term: Int, factor: Double)? = nil

    /// The terms of `rule` for an input `x` whose last axis has `channels` entries; nil for rules that are not
    /// sums of modified layers (the toolbox's simple, epsilon, ww and flat have their own fast forms; pass and
    /// the gradient family are not LRP rules on affine maps).
    static func make(_ rule: Rule, input x: Tensor, channels: Int) throws -> RuleTerms? {
        func pos(_ w: Double) -> Double { Swift.max(w, 0) }
        func neg(_ w: Double) -> Double { Swift.min(w, 0) }
        let split: [Half] = [.positive, .negative]
        switch rule {
        case .alphabeta(let alpha):
            let beta = 1 - alpha
            var terms: [Term] = []
            if alpha != 0 {
                terms.append(Term(weight: { w, h in h == 0 ? pos(w) : neg(w) }, bias: pos, coefficient: alpha,
                                  stabilizer: .fixed(1e-16), mask: .all))
            }
            if beta != 0 {
                terms.append(Term(weight: { w, h in h == 0 ? neg(w) : pos(w) }, bias: neg, coefficient: beta,
                                  stabilizer: .fixed(-1e-16), mask: .all))
            }
            return RuleTerms(halves: split, terms: terms)
        case .zplus(let eps):
            return RuleTerms(halves: split, terms: [Term(weight: { w, h in h == 0 ? pos(w) : neg(w) }, bias: pos, coefficient: 1,
                                                         stabilizer: .signed(eps), mask: .all)])
        case .alphaBeta(let alpha, let beta, let eps):
            var terms: [Term] = []
            if alpha != 0 {
                terms.append(Term(weight: { w, h in h == 0 ? pos(w) : neg(w) }, bias: pos, coefficient: alpha,
                                  stabilizer: .signed(eps), mask: .all))
            }
            if beta != 0 {
                terms.append(Term(weight: { w, h in h == 0 ? neg(w) : pos(w) }, bias: neg, coefficient: -beta,
                                  stabilizer: .signed(eps), mask: .all))
            }
            return RuleTerms(halves: split, terms: terms)
        case .gamma(let gamma, let eps):
            let up = { (w: Double) in w + gamma * pos(w) }, down = { (w: Double) in w + gamma * neg(w) }
            return RuleTerms(halves: split, terms: [
                Term(weight: { w, h in h == 0 ? up(w) : down(w) }, bias: { up($0) }, coefficient: 1, stabilizer: .signed(eps), mask: .positive),
                Term(weight: { w, h in h == 0 ? down(w) : up(w) }, bias: { down($0) }, coefficient: 1, stabilizer: .signed(eps), mask: .negative),
            ], complement: (term: 1, factor: 2 + gamma))
        case .zBox(let box):
            let (low, high) = try box.bounds(channels: channels)
            let l = try Tensor.uninitialized(x.shape), u = try Tensor.uninitialized(x.shape)
            let (lp, up) = (l.mutablePointer, u.mutablePointer)
            for i in 0..<x.count { lp[i] = low[i % channels]; up[i] = high[i % channels] }
            // d = z − (W⁺l + b⁺) − (W⁻h + b⁻): the bias cancels.
            return RuleTerms(halves: [.input, .tensor(l), .tensor(u)], terms: [
                Term(weight: { w, h in h == 0 ? w : (h == 1 ? -pos(w) : -neg(w)) }, bias: { _ in 0 }, coefficient: 1,
                     stabilizer: .signed(box.epsilon), mask: .all),
            ])
        case .norm(let eps), .epsilon(let eps):
            return RuleTerms(halves: [.input], terms: [Term(weight: { w, _ in w }, bias: { $0 }, coefficient: 1,
                                                            stabilizer: .signed(eps), mask: .all)])
        case .simple:
            return RuleTerms(halves: [.input], terms: [Term(weight: { w, _ in w }, bias: { $0 }, coefficient: 1,
                                                            stabilizer: .signed(1e-16), mask: .all)])
        case .flatStabilized(let eps):
            return RuleTerms(halves: [.tensor(try ones(x))], terms: [Term(weight: { _, _ in 1 }, bias: { _ in 0 }, coefficient: 1,
                                                                          stabilizer: .signed(eps), mask: .all)])
        case .wSquareStabilized(let eps):
            return RuleTerms(halves: [.tensor(try ones(x))], terms: [Term(weight: { w, _ in w * w }, bias: { $0 * $0 }, coefficient: 1,
                                                                          stabilizer: .signed(eps), mask: .all)])
        case .unified(let u):
            let a = try Tensor.uninitialized(x.shape)
            let (xp, ap) = (x.pointer, a.mutablePointer)
            for i in 0..<x.count { ap[i] = u.theta0 + u.theta1 * xp[i] }
            var terms: [Term] = []
            if u.alpha != 0 {
                terms.append(Term(weight: { w, _ in u.f(w) }, bias: { _ in 0 }, coefficient: u.alpha, stabilizer: .zeroSafe(u.epsilon), mask: .all))
            }
            if u.beta != 0 {
                terms.append(Term(weight: { w, _ in u.g(w) }, bias: { _ in 0 }, coefficient: -u.beta, stabilizer: .zeroSafe(u.epsilon), mask: .all))
            }
            return RuleTerms(halves: [.tensor(a)], terms: terms)
        case .ww, .flat, .pass, .gradient, .gradientTimesInput, .sensitivity, .deconvnet, .guidedBackprop:
            return nil
        }
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

    private static func ones(_ x: Tensor) throws -> Tensor {
        let t = try Tensor.uninitialized(x.shape)
        t.mutablePointer.update(repeating: 1, count: x.count)
        return t
    }

    /// The value of half `h` at input element `i` of x (`xp`).
    @inline(__always) static func value(_ half: Half, _ xp: UnsafePointer<Double>, _ i: Int) -> Double {
        switch half {
        case .positive: return Swift.max(xp[i], 0)
        case .negative: return Swift.min(xp[i], 0)
        case .input: return xp[i]
        case .tensor(let t): return t.pointer[i]
        }
    }
}
