/// iNNvestigate 1.0.8's pattern types (spec/patterns.md): which samples a neuron's pattern is fitted on.
public enum PatternType: String, Sendable, CaseIterable {
    /// S_a: every sample (mask 1).
    case linear
    /// S_a+'s positive component: the samples where the neuron's pre-activation w·x + b is > 0 ("relu",
    /// "relu.positive").
    case relu
    /// The negative component: the samples where it is ≤ 0 ("relu.negative").
    case reluNegative = "relu.negative"

    /// The type called `name` (case-insensitive; "relu.positive" is "relu"); errors list the names.
    public init(name: String) throws {
        switch name.lowercased() {
        case "linear": self = .linear
        case "relu", "relu.positive": self = .relu
        case "relu.negative": self = .reluNegative
        default: throw LRPError.argument("unknown pattern type '\(name)' (known: linear, relu, relu.positive, relu.negative)")
        }
    }
}
