/// Rule specs: a rule and its parameters as one string, as the C API, Python and composite files take them.
///
///     name[:arguments]        arguments: comma-separated values or key=value pairs; a value is a number or a
///                             list in brackets, "[0.1 0.2 0.3]" (per-channel bounds)
///
///     simple | epsilon:0.01 | alphabeta:2 (the toolbox's, β = 1 − α) | ww | flat
///     alphabeta:alpha=2,beta=1[,epsilon=1e-6]     zennit's AlphaBeta (keywords select it)
///     flat:epsilon=1e-6 | ww:epsilon=1e-6         zennit's Flat and WSquare (a stabilizer selects them)
///     zplus[:epsilon=1e-6] | gamma:0.25 | gamma:gamma=0.25,epsilon=1e-6 | norm[:epsilon=1e-6]
///     zb:low=-1,high=1[,epsilon=1e-6] | zb:-1,1 | zb:low=[-2.1 -2.0 -1.8],high=[2.2 2.4 2.6]
///     pass | gradient | gradient_x_input | sensitivity | deconvnet | guided_backprop | pattern_net | pattern_attribution
///     unified:alpha=2,beta=1,theta0=0,theta1=1,gamma0=0,gamma1=0,gamma1p=1,gamma1n=0,gamma2=0,epsilon=0
///     unified:gamma[,gamma1p=0.5]                 a preset (lrp0, epsilon, gamma, alphabeta, zplus, w2, flat), then changes
extension Rule {
    /// Parses a rule spec; errors name the spec and what is wrong.
    public init(spec: String) throws {
        let text = spec[...].trimmingSpaces()
        guard !text.isEmpty else { throw LRPError.argument("empty rule spec") }
        let (name, arguments): (String, [RuleSpecArgument])
        if let colon = text.firstIndex(of: ":") {
            name = String(text[..<colon]).lowercased()
            arguments = try RuleSpecArgument.parse(String(text[text.index(after: colon)...]), spec: text,
                                                   allowWords: name == "unified")
        } else {
            (name, arguments) = (text.lowercased(), [])
        }
        do {
            self = try Rule.make(name, arguments)
        } catch let error as LRPError {
            throw error.prefixed("rule spec '\(text)'")
        }
    }

    /// The rule for a name and parameter (the C API's rule + param) or, when `name` holds ':', for a spec.
    public init(nameOrSpec: String, parameter: Double) throws {
        if nameOrSpec.contains(":") { try self.init(spec: nameOrSpec) } else { try self.init(name: nameOrSpec, parameter: parameter) }
    }

    private static func make(_ name: String, _ arguments: [RuleSpecArgument]) throws -> Rule {
        let reader = RuleSpecReader(arguments)
        switch name {
        case "simple", "none", "lrp0", "lrp-0", "pass", "gradient", "gradient_x_input", "gradientxinput", "input_x_gradient",
             "sensitivity", "deconvnet", "guided_backprop", "guidedbackprop", "pattern_net", "patternnet",
             "pattern_attribution", "patternattribution":
            try reader.finish(allowed: [])
            return try Rule(name: name, parameter: 0)
        case "epsilon":
            guard let e = try reader.number("epsilon", position: 0) else { throw LRPError.argument("epsilon needs ε, e.g. epsilon:0.01") }
            try reader.finish(allowed: ["epsilon"])
            return try Rule(name: "epsilon", parameter: e)
        case "alphabeta", "alpha":
            if let a = try reader.positional(0), reader.keywords.isEmpty {
                try reader.finish(allowed: [])
                return try Rule(name: "alphabeta", parameter: a)
            }
            guard let alpha = try reader.number("alpha", position: nil) else {
                throw LRPError.argument("alphabeta needs α: alphabeta:2 (the toolbox's) or alphabeta:alpha=2,beta=1 (zennit's)")
            }
            let beta = try reader.number("beta", position: nil) ?? alpha - 1
            let eps = try reader.number("epsilon", position: nil) ?? defaultStabilizer
            try reader.finish(allowed: ["alpha", "beta", "epsilon"])
            guard alpha.isFinite, beta.isFinite, eps.isFinite, eps >= 0 else { throw LRPError.argument("alphabeta needs finite α, β and ε ≥ 0") }
            return .alphaBeta(alpha: alpha, beta: beta, epsilon: eps)
        case "ww", "w^2", "wsquare", "flat":
            guard let eps = try reader.number("epsilon", position: 0) else {
                try reader.finish(allowed: [])
                return try Rule(name: name, parameter: 0)
            }
            try reader.finish(allowed: ["epsilon"])
            guard eps.isFinite, eps >= 0 else { throw LRPError.argument("\(name) needs ε ≥ 0") }
            return name == "flat" ? .flatStabilized(epsilon: eps) : .wSquareStabilized(epsilon: eps)
        case "zplus", "z+":
            let eps = try reader.number("epsilon", position: 0) ?? defaultStabilizer
            try reader.finish(allowed: ["epsilon"])
            guard eps.isFinite, eps >= 0 else { throw LRPError.argument("zplus needs ε ≥ 0") }
            return .zplus(epsilon: eps)
        case "norm":
            let eps = try reader.number("epsilon", position: 0) ?? defaultStabilizer
            try reader.finish(allowed: ["epsilon"])
            guard eps.isFinite, eps >= 0 else { throw LRPError.argument("norm needs ε ≥ 0") }
            return .norm(epsilon: eps)
        case "gamma":
            let g = try reader.number("gamma", position: 0) ?? 0.25
            let eps = try reader.number("epsilon", position: 1) ?? defaultStabilizer
            try reader.finish(allowed: ["gamma", "epsilon"])
            guard g.isFinite, g >= 0, eps.isFinite, eps >= 0 else { throw LRPError.argument("gamma needs γ ≥ 0 and ε ≥ 0") }
            return .gamma(gamma: g, epsilon: eps)
        case "zb", "zbox":
            guard let low = try reader.values("low", position: 0), let high = try reader.values("high", position: 1) else {
                throw LRPError.argument("zb needs low and high, e.g. zb:low=-1,high=1")
            }
            let eps = try reader.number("epsilon", position: 2) ?? defaultStabilizer
            try reader.finish(allowed: ["low", "high", "epsilon"])
            return .zBox(try ZBox(low: low, high: high, epsilon: eps))
        case "unified":
            var u = UnifiedRule()
            if case .word(let preset)? = reader.arguments.first { u = try UnifiedRule.preset(preset) }
            for argument in reader.arguments {
                switch argument {
                case .word: continue
                case .keyword(let key, let values):
                    guard values.count == 1 else { throw LRPError.argument("unified parameter \(key) takes one number") }
                    try u.set(key, values[0])
                case .values: throw LRPError.argument("unified takes a preset name and key=value parameters")
                }
            }
            return .unified(u)
        default:
            _ = try Rule(name: name, parameter: 0)
            throw LRPError.argument("unknown rule '\(name)'")
        }
    }

    /// The canonical rule spec ("gamma:gamma=0.25,epsilon=1e-06"); `Rule(spec:)` reads it back to the same rule.
    public var spec: String {
        func n(_ v: Double) -> String { JSON.format(v) }
        func list(_ v: [Double]) -> String { v.count == 1 ? n(v[0]) : "[" + v.map(n).joined(separator: " ") + "]" }
        switch self {
        case .simple, .ww, .flat, .pass, .gradient, .gradientTimesInput, .sensitivity, .deconvnet, .guidedBackprop, .patternNet,
             .patternAttribution:
            return name
        case .epsilon(let e): return "epsilon:\(n(e))"
        case .alphabeta(let a): return "alphabeta:\(n(a))"
        case .alphaBeta(let a, let b, let e): return "alphabeta:alpha=\(n(a)),beta=\(n(b)),epsilon=\(n(e))"
        case .zplus(let e): return "zplus:epsilon=\(n(e))"
        case .norm(let e): return "norm:epsilon=\(n(e))"
        case .flatStabilized(let e): return "flat:epsilon=\(n(e))"
        case .wSquareStabilized(let e): return "ww:epsilon=\(n(e))"
        case .gamma(let g, let e): return "gamma:gamma=\(n(g)),epsilon=\(n(e))"
        case .zBox(let box): return "zb:low=\(list(box.low)),high=\(list(box.high)),epsilon=\(n(box.epsilon))"
        case .unified(let u): return "unified:" + u.fields.map { "\($0.name)=\(n($0.value))" }.joined(separator: ",")
        }
    }
}

/// One argument of a rule spec.
enum RuleSpecArgument: Equatable {
    /// A bare word (a preset name).
    case word(String)
    /// Positional numbers (one, or a bracketed list).
    case values([Double])
    /// key=number or key=[list].
    case keyword(String, [Double])

    /// Splits "a=1,b=[1 2],3" at the top-level commas.
    static func parse(_ text: String, spec: String, allowWords: Bool) throws -> [RuleSpecArgument] {
        var parts: [String] = [], current = "", depth = 0
        for ch in text {
            if ch == "[" { depth += 1 } else if ch == "]" { depth -= 1 }
            guard depth >= 0 else { throw LRPError.argument("rule spec '\(spec)': unbalanced ']'") }
            if ch == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        guard depth == 0 else { throw LRPError.argument("rule spec '\(spec)': unclosed '['") }
        parts.append(current)
        return try parts.map { $0[...].trimmingSpaces() }.filter { !$0.isEmpty }.map { part in
            if let equals = part.firstIndex(of: "=") {
                let key = String(part[..<equals]).trimmingCharacters(in: " ").lowercased()
                return .keyword(key, try numbers(String(part[part.index(after: equals)...]), spec: spec, what: key))
            }
            if allowWords, let first = part.first, first.isLetter, Double(part) == nil { return .word(part) }
            return .values(try numbers(part, spec: spec, what: "a value"))
        }
    }

    /// A number, or a bracketed list of numbers separated by spaces or semicolons.
    private static func numbers(_ text: String, spec: String, what: String) throws -> [Double] {
        var t = text[...].trimmingSpaces()
        if t.hasPrefix("[") && t.hasSuffix("]") { t = String(t.dropFirst().dropLast()) }
        let tokens = t.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "," || $0 == "\t" })
        let values = tokens.compactMap { Double($0) }
        guard !tokens.isEmpty, values.count == tokens.count, values.allSatisfy(\.isFinite) else {
            throw LRPError.argument("rule spec '\(spec)': \(what) must be a finite number or a list of them, got '\(text)'")
        }
        return values
    }
}

extension String {
    /// The string without leading and trailing characters `c`.
    func trimmingCharacters(in c: Character) -> String {
        String(drop(while: { $0 == c }).reversed().drop(while: { $0 == c }).reversed())
    }
}

/// Reads the arguments of one rule spec by name or position and checks that nothing is left over.
private final class RuleSpecReader {
    let arguments: [RuleSpecArgument]
    private var used = Set<Int>()

    init(_ arguments: [RuleSpecArgument]) { self.arguments = arguments }

    var keywords: [String] {
        arguments.compactMap { if case .keyword(let k, _) = $0 { return k } else { return nil } }
    }

    /// The values of `key`, else those of positional argument `position`.
    func values(_ key: String, position: Int?) throws -> [Double]? {
        for (i, a) in arguments.enumerated() {
            if case .keyword(let k, let v) = a, k == key { used.insert(i); return v }
        }
        guard let position else { return nil }
        var seen = 0
        for (i, a) in arguments.enumerated() {
            if case .values(let v) = a {
                if seen == position { used.insert(i); return v }
                seen += 1
            }
        }
        return nil
    }

    /// The single number of `key` or positional argument `position`.
    func number(_ key: String, position: Int?) throws -> Double? {
        guard let v = try values(key, position: position) else { return nil }
        guard v.count == 1 else { throw LRPError.argument("\(key) takes one number, got \(v.count)") }
        return v[0]
    }

    /// Positional argument `position` as one number.
    func positional(_ position: Int) throws -> Double? {
        var seen = 0
        for (i, a) in arguments.enumerated() {
            if case .values(let v) = a {
                if seen == position {
                    guard v.count == 1 else { return nil }
                    used.insert(i)
                    return v[0]
                }
                seen += 1
            }
        }
        return nil
    }

    /// Throws when an argument was not used.
    func finish(allowed: [String]) throws {
        for (i, a) in arguments.enumerated() where !used.contains(i) {
            switch a {
            case .keyword(let k, _):
                throw LRPError.argument(allowed.isEmpty ? "takes no parameters, got \(k)=" : "unknown parameter '\(k)' (known: \(allowed.joined(separator: ", ")))")
            case .values, .word:
                throw LRPError.argument(allowed.isEmpty ? "takes no parameters" : "too many values")
            }
        }
    }
}
