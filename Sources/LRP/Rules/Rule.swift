/// An LRP rule and its parameter, as data (Bach et al. 2015; the LRP Toolbox's variants).
///
/// For a Linear/Convolution layer with inputs x_i, weights w_ij, bias b_j, z_ij = x_i·w_ij and
/// z_j = Σ_i z_ij + b_j, and sign(t) = +1 for t ≥ 0, −1 otherwise:
/// - `simple`:    R_i = Σ_j z_ij·R_j / (z_j + 1e-16·sign(z_j))
/// - `epsilon`:   R_i = Σ_j z_ij·R_j / (z_j + ε·sign(z_j))
/// - `alphabeta`: R_i = Σ_j (α·z⁺_ij/(z⁺_j + 1e-16) + β·z⁻_ij/(z⁻_j − 1e-16))·R_j with β = 1 − α
/// - `ww`:        R_i = Σ_j w_ij² / (Σ_i' w_i'j²)·R_j
/// - `flat`:      R_i = Σ_j R_j / (number of inputs of j)
/// Pooling layers have their own forms of each rule; element-wise layers pass relevance through.
public enum Rule: Sendable, Equatable, CustomStringConvertible {
    /// LRP-0 with the toolbox's tiny stabilizer.
    case simple
    /// LRP-ε: the denominator pushed away from zero by ε.
    case epsilon(Double)
    /// LRP-αβ with β = 1 − α.
    case alphabeta(alpha: Double)
    /// LRP-w²: relevance by squared weights, independent of the input.
    case ww
    /// Relevance spread uniformly over each output's inputs.
    case flat

    /// The canonical names, in the order messages list them.
    public static let names = ["simple", "epsilon", "alphabeta", "ww", "flat"]

    /// The rule called `name` (canonical or alias, case-insensitive: "none" = simple, "alpha" = alphabeta,
    /// "w^2" = ww) with `parameter` (ε for epsilon, α for alphabeta; ignored otherwise).
    public init(name: String, parameter: Double) throws {
        switch name.lowercased() {
        case "simple", "none":
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
        case "ww", "w^2":
            self = .ww
        case "flat":
            self = .flat
        default:
            throw LRPError.argument(
                "unknown rule '\(name)' (known: \(Rule.names.joined(separator: ", ")); aliases none, alpha, w^2)")
        }
    }

    /// The canonical name.
    public var name: String {
        switch self {
        case .simple: return "simple"
        case .epsilon: return "epsilon"
        case .alphabeta: return "alphabeta"
        case .ww: return "ww"
        case .flat: return "flat"
        }
    }

    /// The parameter (ε or α), 0 for rules without one.
    public var parameter: Double {
        switch self {
        case .epsilon(let e): return e
        case .alphabeta(let a): return a
        case .simple, .ww, .flat: return 0
        }
    }

    /// "epsilon(0.01)", "alphabeta(α=2)", "simple".
    public var description: String {
        switch self {
        case .epsilon(let e): return "epsilon(\(e))"
        case .alphabeta(let a): return "alphabeta(α=\(a))"
        default: return name
        }
    }
}
