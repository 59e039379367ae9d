/// An LRP rule and its parameters, as data: the LRP Toolbox's rules (Bach et al. 2015, Lapuschkin et al. 2016)
/// with their exact stabilizers, the rules of current practice in zennit's forms (Montavon et al.'s overview,
/// Kohlbrenner et al.), the gradient family, and VisLRPDesigner's unified rule.
///
/// For a Linear/Convolution layer with inputs x_i, weights w_ij, bias b_j, z_ij = x_i·w_ij and
/// z_j = Σ_i z_ij + b_j, and sign(t) = +1 for t ≥ 0, −1 otherwise (toolbox rules, numerics.md):
/// - `simple`:    R_i = Σ_j z_ij·R_j / (z_j + 1e-16·sign(z_j))
/// - `epsilon`:   R_i = Σ_j z_ij·R_j / (z_j + ε·sign(z_j))
/// - `alphabeta`: R_i = Σ_j (α·z⁺_ij/(z⁺_j + 1e-16) + β·z⁻_ij/(z⁻_j − 1e-16))·R_j with β = 1 − α
/// - `ww`:        R_i = Σ_j w_ij² / (Σ_i' w_i'j²)·R_j
/// - `flat`:      R_i = Σ_j R_j / (number of inputs of j)
/// The others follow spec/rules.md (stab(d) = d + ε·sign(d)); see each case. Each rule is defined once, as
/// modified copies of an affine map (`RuleTerms`), and that definition serves Linear, Convolution, sum and
/// average pools, BatchNorm and Add; MaxPool sends relevance to its maxima (or uniformly, for rules that do not
/// read the input); element-wise layers pass LRP relevance through and take the gradient in the gradient family.
public enum Rule: Sendable, Equatable, CustomStringConvertible {
    /// LRP-0 with the toolbox's tiny stabilizer.
    case simple
    /// LRP-ε: the denominator pushed away from zero by ε (equal to zennit's Epsilon).
    case epsilon(Double)
    /// The toolbox's LRP-αβ with β = 1 − α and fixed 1e-16 stabilizers.
    case alphabeta(alpha: Double)
    /// The toolbox's LRP-w²: relevance by squared weights over the whole receptive field, bias ignored.
    case ww
    /// The toolbox's flat rule: relevance spread uniformly over each output's receptive field.
    case flat
    /// LRP-z⁺ (zennit's ZPlus): z⁺ = W⁺x⁺ + W⁻x⁻ + b⁺; R_in = x⁺⊙W⁺ᵀs + x⁻⊙W⁻ᵀs with s = R/stab(z⁺).
    case zplus(epsilon: Double)
    /// zennit's AlphaBeta(α, β): α·(the z⁺ share) − β·(the share of z⁻ = W⁻x⁺ + W⁺x⁻ + b⁻), each stabilized by ε.
    case alphaBeta(alpha: Double, beta: Double, epsilon: Double)
    /// LRP-γ (zennit's Gamma): positive contributions boosted by γ, outputs of either sign (rules.md).
    case gamma(gamma: Double, epsilon: Double)
    /// LRP-zᴮ (zennit's ZBox) for inputs bounded by a box [low, high] per channel.
    case zBox(ZBox)
    /// Relevance passed through unchanged (element-wise and reshaping layers only).
    case pass
    /// zennit's Norm: R_i = x_i·(∂y_j/∂x_i)·R_j / stab(y_j) with the output y (pools, sums); LRP-ε elsewhere.
    case norm(epsilon: Double)
    /// zennit's Flat: uniform over the real (non-padding) inputs of each output, stabilized by ε.
    case flatStabilized(epsilon: Double)
    /// zennit's WSquare: by squared weights over the real inputs, with b² in the denominator, stabilized by ε.
    case wSquareStabilized(epsilon: Double)
    /// The plain gradient of the selected output.
    case gradient
    /// The input times its gradient (applied at the input of the whole backward pass).
    case gradientTimesInput
    /// The squared gradient (Simonyan et al.'s sensitivity; applied at the input of the whole pass).
    case sensitivity
    /// DeconvNet: at every Rect max(0, R) is passed back; elsewhere the gradient.
    case deconvnet
    /// Guided backpropagation: at every Rect the gradient masked by forward activity and by R > 0.
    case guidedBackprop
    /// VisLRPDesigner's unified rule with its ten parameters.
    case unified(UnifiedRule)
    /// PatternNet (Kindermans et al. 2018): the gradient pass with each kernel layer's W replaced by its pattern A,
    /// the signal at a layer's input divided by its per-sample largest magnitude when it is an image (rank ≥ 3),
    /// as iNNvestigate 1.0.8 projects it; elsewhere the gradient.
    case patternNet
    /// PatternAttribution: the gradient pass with each kernel layer's W replaced by A ⊙ W (not rescaled).
    case patternAttribution

    /// The canonical names, in the order messages list them.
    public static let names = ["simple", "epsilon", "alphabeta", "ww", "flat", "zplus", "gamma", "zb", "pass", "norm",
                               "gradient", "gradient_x_input", "sensitivity", "deconvnet", "guided_backprop", "unified",
                               "pattern_net", "pattern_attribution"]

    /// The stabilizer of zennit's rules when none is given.
    public static let defaultStabilizer = 1e-6

    /// The rule called `name` (canonical or alias, case-insensitive: "none" = simple, "alpha" = alphabeta,
    /// "w^2" = ww, "z+" = zplus) with `parameter`: ε for epsilon and norm, α for alphabeta, γ for gamma;
    /// ignored by the rules without one. Rules with several parameters take a rule spec (`init(spec:)`).
    public init(name: String, parameter: Double) throws {
        switch name.lowercased() {
        case "simple", "none", "lrp0", "lrp-0":
            self = .simple
        case "epsilon":
            guard parameter.isFinite, parameter >= 0 else {
                throw LRPError.argument("epsilon rule needs a finite ε ≥ 0, got \(parameter)")
            }
            self = .epsilon(parameter)
        case "alphabeta", "alpha":
            guard parameter.isFinite else {
                throw LRPError.argument("alphabeta rule needs a finite α, got \(parameter)")
            }
            self = .alphabeta(alpha: parameter)
        case "ww", "w^2", "wsquare":
            self = .ww
        case "flat":
            self = .flat
        case "zplus", "z+":
            self = .zplus(epsilon: Rule.defaultStabilizer)
        case "gamma":
            guard parameter.isFinite, parameter >= 0 else { throw LRPError.argument("gamma rule needs a finite γ ≥ 0, got \(parameter)") }
            self = .gamma(gamma: parameter, epsilon: Rule.defaultStabilizer)
        case "norm":
            guard parameter.isFinite, parameter >= 0 else { throw LRPError.argument("norm rule needs a finite ε ≥ 0, got \(parameter)") }
            self = .norm(epsilon: parameter == 0 ? Rule.defaultStabilizer : parameter)
        case "pass":
            self = .pass
        case "gradient":
            self = .gradient
        case "gradient_x_input", "gradientxinput", "input_x_gradient":
            self = .gradientTimesInput
        case "sensitivity":
            self = .sensitivity
        case "deconvnet":
            self = .deconvnet
        case "guided_backprop", "guidedbackprop":
            self = .guidedBackprop
        case "zb", "zbox":
            throw LRPError.argument("the zb rule needs its bounds: give a rule spec such as \"zb:low=-1,high=1\" (or per-channel bounds through their own call)")
        case "unified":
            self = .unified(UnifiedRule())
        case "pattern_net", "patternnet":
            self = .patternNet
        case "pattern_attribution", "patternattribution":
            self = .patternAttribution
        default:
            throw LRPError.argument(
                "unknown rule '\(name)' (known: \(Rule.names.joined(separator: ", ")); aliases none, alpha, w^2, z+)")
        }
    }

    /// The canonical name.
    public var name: String {
        switch self {
        case .simple: return "simple"
        case .epsilon: return "epsilon"
        case .alphabeta, .alphaBeta: return "alphabeta"
        case .ww, .wSquareStabilized: return "ww"
        case .flat, .flatStabilized: return "flat"
        case .zplus: return "zplus"
        case .gamma: return "gamma"
        case .zBox: return "zb"
        case .pass: return "pass"
        case .norm: return "norm"
        case .gradient: return "gradient"
        case .gradientTimesInput: return "gradient_x_input"
        case .sensitivity: return "sensitivity"
        case .deconvnet: return "deconvnet"
        case .guidedBackprop: return "guided_backprop"
        case .unified: return "unified"
        case .patternNet: return "pattern_net"
        case .patternAttribution: return "pattern_attribution"
        }
    }

    /// The main parameter (ε, α or γ), 0 for rules without one.
    public var parameter: Double {
        switch self {
        case .epsilon(let e): return e
        case .alphabeta(let a): return a
        case .alphaBeta(let a, _, _): return a
        case .gamma(let g, _): return g
        case .norm(let e), .zplus(let e), .flatStabilized(let e), .wSquareStabilized(let e): return e
        default: return 0
        }
    }

    /// True for the rules that propagate gradients rather than relevance.
    public var isGradientFamily: Bool {
        switch self {
        case .gradient, .gradientTimesInput, .sensitivity, .deconvnet, .guidedBackprop, .patternNet, .patternAttribution: return true
        default: return false
        }
    }

    /// True for PatternNet and PatternAttribution, which read each kernel layer's pattern.
    public var usesPatterns: Bool { self == .patternNet || self == .patternAttribution }

    /// True for rules that do not look at the input values (relevance spreads by weights or uniformly).
    var ignoresInput: Bool {
        switch self {
        case .ww, .flat, .flatStabilized, .wSquareStabilized: return true
        case .unified(let u): return u.theta1 == 0
        default: return false
        }
    }

    /// The rule spec, e.g. "gamma:gamma=0.25,epsilon=1e-06" (see `init(spec:)`).
    public var description: String { spec }
}

/// The bounds of LRP-zᴮ: the lowest and highest possible input per channel (one value for all channels, or
/// one per input channel, the last axis), and the stabilizer.
public struct ZBox: Sendable, Equatable {
    /// Lowest input values: 1 or C entries.
    public let low: [Double]
    /// Highest input values: 1 or C entries.
    public let high: [Double]
    /// The stabilizer ε.
    public let epsilon: Double

    /// Bounds, checked: finite, low ≤ high, equally many (or one of each).
    public init(low: [Double], high: [Double], epsilon: Double = Rule.defaultStabilizer) throws {
        guard !low.isEmpty, !high.isEmpty, low.count == high.count || low.count == 1 || high.count == 1 else {
            throw LRPError.argument("zb needs low and high bounds as one value or one per channel, got \(low.count) and \(high.count)")
        }
        guard (low + high).allSatisfy(\.isFinite), epsilon.isFinite, epsilon >= 0 else {
            throw LRPError.argument("zb needs finite bounds and a finite ε ≥ 0")
        }
        let n = Swift.max(low.count, high.count)
        for c in 0..<n where (low.count == 1 ? low[0] : low[c]) > (high.count == 1 ? high[0] : high[c]) {
            throw LRPError.argument("zb needs low ≤ high; channel \(c) has low \(low.count == 1 ? low[0] : low[c]) > high \(high.count == 1 ? high[0] : high[c])")
        }
        self.low = low
        self.high = high
        self.epsilon = epsilon
    }

    /// The bound of channel `c` (of `channels`), or an error when the counts do not fit.
    func bounds(channels: Int) throws -> (low: [Double], high: [Double]) {
        for (name, values) in [("low", low), ("high", high)] where values.count != 1 && values.count != channels {
            throw LRPError.shape("zb has \(values.count) \(name) bounds for an input of \(channels) channels")
        }
        return (low.count == 1 ? Array(repeating: low[0], count: channels) : low,
                high.count == 1 ? Array(repeating: high[0], count: channels) : high)
    }
}

/// VisLRPDesigner's unified rule: a(x) = θ0 + θ1·x; f(w) = γ0 + γ1·w + γ1p·w⁺ + γ1n·w⁻ + γ2·w²; g(w) is f with
/// γ1p and γ1n swapped; R_i = Σ_j [α·a(x_i)f(w_ij)/stab_ε(Σ_i' a f) − β·a(x_i)g(w_ij)/stab_ε(Σ_i' a g)]·R_j.
/// The bias does not enter; with ε = 0 a term whose denominator is exactly 0 contributes 0. Padding positions
/// of a convolution are not inputs. The defaults are LRP-0.
public struct UnifiedRule: Sendable, Equatable {
    public var alpha = 1.0, beta = 0.0
    public var theta0 = 0.0, theta1 = 1.0
    public var gamma0 = 0.0, gamma1 = 1.0, gamma1p = 0.0, gamma1n = 0.0, gamma2 = 0.0
    public var epsilon = 0.0

    /// LRP-0.
    public init() {}

    /// The parameters in spec order, with their names.
    public var fields: [(name: String, value: Double)] {
        [("alpha", alpha), ("beta", beta), ("theta0", theta0), ("theta1", theta1), ("gamma0", gamma0), ("gamma1", gamma1),
         ("gamma1p", gamma1p), ("gamma1n", gamma1n), ("gamma2", gamma2), ("epsilon", epsilon)]
    }

    /// Sets parameter `name`; errors name unknown parameters.
    mutating func set(_ name: String, _ value: Double) throws {
        guard value.isFinite else { throw LRPError.argument("unified parameter \(name) must be finite, got \(value)") }
        switch name {
        case "alpha": alpha = value
        case "beta": beta = value
        case "theta0": theta0 = value
        case "theta1": theta1 = value
        case "gamma0": gamma0 = value
        case "gamma1": gamma1 = value
        case "gamma1p": gamma1p = value
        case "gamma1n": gamma1n = value
        case "gamma2": gamma2 = value
        case "epsilon":
            guard value >= 0 else { throw LRPError.argument("unified epsilon must be ≥ 0, got \(value)") }
            epsilon = value
        default:
            throw LRPError.argument("unknown unified parameter '\(name)' (known: \(fields.map(\.name).joined(separator: ", ")))")
        }
    }

    /// The presets of VisLRPDesigner by name: lrp0, epsilon, gamma, alphabeta, zplus, w2 (ww), flat.
    public static func preset(_ name: String, parameter: Double? = nil) throws -> UnifiedRule {
        var u = UnifiedRule()
        switch name.lowercased() {
        case "lrp0", "lrp-0", "simple": break
        case "epsilon": u.epsilon = parameter ?? 0.25
        case "gamma": u.gamma1p = parameter ?? 0.25
        case "alphabeta":
            let a = parameter ?? 2
            (u.alpha, u.beta, u.gamma1, u.gamma1p) = (a, a - 1, 0, 1)
        case "zplus", "z+": (u.gamma1, u.gamma1p) = (0, 1)
        case "w2", "ww", "w^2": (u.theta0, u.theta1, u.gamma1, u.gamma2) = (1, 0, 0, 1)
        case "flat": (u.theta0, u.theta1, u.gamma1, u.gamma0) = (1, 0, 0, 1)
        default:
            throw LRPError.argument("unknown unified preset '\(name)' (known: lrp0, epsilon, gamma, alphabeta, zplus, w2, flat)")
        }
        return u
    }

    /// f(w).
    var f: WeightMap { WeightMap(c0: gamma0, c1: gamma1, positive: gamma1p, negative: gamma1n, c2: gamma2) }

    /// g(w): f with γ1p and γ1n swapped.
    var g: WeightMap { WeightMap(c0: gamma0, c1: gamma1, positive: gamma1n, negative: gamma1p, c2: gamma2) }
}
