/// Rules by layer position and kind — the composites of zennit and iNNvestigate and Kohlbrenner et al.'s LRP-CMP
/// (spec/rules.md) — or by explicit segments of layers (VisLRPDesigner), turned into one rule per layer.
///
/// In the named composites "dense" layers are Linear, "conv" layers Convolution, and "first" the first
/// Linear/Convolution layer (the first Convolution for epsilon_gamma_box, as in zennit). Pools and sums take
/// zennit's Norm, MaxPool sends relevance to the maximum, element-wise and reshaping layers and BatchNorm pass
/// it on. The rules take zennit's forms, so a composite equals zennit's composite of the same name.
public enum Composite {
    /// A segment: layers `first` … `last` (inclusive) take `rule`.
    public struct Segment: Sendable, Equatable {
        public let first: Int
        public let last: Int
        public let rule: Rule

        /// A segment; `first` ≤ `last`.
        public init(first: Int, last: Int, rule: Rule) throws {
            guard first >= 0, last >= first else { throw LRPError.argument("a segment needs 0 ≤ first ≤ last, got \(first) … \(last)") }
            (self.first, self.last, self.rule) = (first, last, rule)
        }
    }

    /// The named composites.
    public static let names = ["epsilon_plus", "epsilon_plus_flat", "epsilon_alpha2_beta1", "epsilon_alpha2_beta1_flat",
                               "epsilon_gamma_box", "sequential_preset_a", "sequential_preset_b", "sequential_preset_a_flat",
                               "sequential_preset_b_flat", "lrp_cmp"]

    /// The parameters each composite takes, with their defaults (nil: required).
    static func parameters(of name: String) -> [(name: String, fallback: [Double]?)] {
        let common: [(String, [Double]?)] = [("stabilizer", [Rule.defaultStabilizer])]
        switch name {
        case "epsilon_gamma_box":
            return common + [("epsilon", [1e-6]), ("gamma", [0.25]), ("low", nil), ("high", nil)]
        case "sequential_preset_a", "sequential_preset_b", "sequential_preset_a_flat", "sequential_preset_b_flat":
            return common + [("epsilon", [0.1])]
        case "lrp_cmp":
            return common + [("epsilon", [1e-6]), ("alpha", [1]), ("flat_layers", [0])]
        default:
            return common + [("epsilon", [1e-6])]
        }
    }


    /// One rule per layer of `model` for the composite `name` with `parameters` (e.g. "low=-1,high=1,epsilon=0.01";
    /// values may be lists for per-channel zᴮ bounds).
    public static func rules(named name: String, parameters text: String?, for model: any Network) throws -> [Rule] {
        let key = name.lowercased()
        guard names.contains(key) else {
            throw LRPError.argument("unknown composite '\(name)' (known: \(names.joined(separator: ", ")); or a JSON file of segments)")
        }
        // Parameters: key=value pairs, checked against what the composite takes.
        var given: [String: [Double]] = [:]
        if let text, !text.isEmpty {
            for argument in try RuleSpecArgument.parse(text, spec: text, allowWords: false) {
                guard case .keyword(let k, let v) = argument else {
                    throw LRPError.argument("composite parameters are key=value pairs, got '\(text)'")
                }
                given[k] = v
            }
        }
        let known = parameters(of: key)
        for k in given.keys where !known.contains(where: { $0.name == k }) {
            throw LRPError.argument("composite \(key) takes \(known.map(\.name).joined(separator: ", ")); got '\(k)'")
        }
        func values(_ k: String) throws -> [Double] {
            if let v = given[k] { return v }
            guard let fallback = known.first(where: { $0.name == k })?.fallback else {
                throw LRPError.argument("composite \(key) needs \(k)=…")
            }
            return fallback
        }
        func number(_ k: String) throws -> Double {
            let v = try values(k)
            guard v.count == 1, v[0].isFinite else { throw LRPError.argument("composite parameter \(k) takes one finite number") }
            return v[0]
        }
        let stabilizer = try number("stabilizer"), epsilon = try number("epsilon")
        guard stabilizer >= 0, epsilon >= 0 else { throw LRPError.argument("composite parameters epsilon and stabilizer must be ≥ 0") }

        let kinds = (0..<model.layerCount).map { LayerKind(header: model.header(of: $0))?.role ?? .other }
        let weighted = kinds.indices.filter { kinds[$0] == .dense || kinds[$0] == .conv }
        var convRule: Rule, denseRule: Rule = .epsilon(epsilon)
        var firstRules: [Int: Rule] = [:]
        switch key {
        case "epsilon_plus", "epsilon_plus_flat":
            convRule = .zplus(epsilon: stabilizer)
        case "epsilon_alpha2_beta1", "epsilon_alpha2_beta1_flat", "sequential_preset_b", "sequential_preset_b_flat":
            convRule = .alphaBeta(alpha: 2, beta: 1, epsilon: stabilizer)
        case "sequential_preset_a", "sequential_preset_a_flat":
            convRule = .alphaBeta(alpha: 1, beta: 0, epsilon: stabilizer)
        case "epsilon_gamma_box":
            let gamma = try number("gamma")
            guard gamma >= 0 else { throw LRPError.argument("composite parameter gamma must be ≥ 0") }
            convRule = .gamma(gamma: gamma, epsilon: stabilizer)
            if let first = kinds.firstIndex(of: .conv) {
                firstRules[first] = .zBox(try ZBox(low: try values("low"), high: try values("high"), epsilon: stabilizer))
            }
        default: // lrp_cmp
            let alpha = try number("alpha")
            guard alpha >= 1 else { throw LRPError.argument("lrp_cmp needs alpha ≥ 1 (1 or 2 in Kohlbrenner et al.)") }
            convRule = .alphaBeta(alpha: alpha, beta: alpha - 1, epsilon: stabilizer)
            let n = try number("flat_layers")
            guard n >= 0, n.rounded() == n else { throw LRPError.argument("lrp_cmp's flat_layers must be a whole number ≥ 0") }
            for i in weighted.prefix(Int(Swift.min(n, 1e6))) { firstRules[i] = .flatStabilized(epsilon: stabilizer) }
            denseRule = .epsilon(epsilon)
        }
        if key.hasSuffix("_flat"), let first = weighted.first { firstRules[first] = .flatStabilized(epsilon: stabilizer) }
        return kinds.enumerated().map { i, kind in
            if let rule = firstRules[i] { return rule }
            switch kind {
            case .dense: return denseRule
            case .conv: return convRule
            case .pool, .sum, .maxPool: return .norm(epsilon: stabilizer)
            case .other: return .pass
            }
        }
    }

    /// The rules after applying `segments` to `current` (layers outside every segment keep theirs).
    public static func rules(segments: [Segment], current: [Rule]) throws -> [Rule] {
        var rules = current
        for s in segments {
            guard s.last < rules.count else {
                throw LRPError.argument("segment \(s.first) … \(s.last) reaches past the model's \(rules.count) layers")
            }
            for i in s.first...s.last { rules[i] = s.rule }
        }
        return rules
    }

    /// The segments of a composite file: {"format": "liblrp-composite", "version": 1, "segments": [{"first": 0,
    /// "last": 2, "rule": "flat:epsilon=1e-06"}, …]}, or of a model saved by VisLRPDesigner (VisLRPDesignerFormat).
    public static func segments(json: JSON) throws -> [Segment] {
        if VisLRPDesignerFormat.matches(json) { return try VisLRPDesignerFormat.segments(json: json) }
        guard json["format"]?.string == "liblrp-composite" else { throw LRPError.format("\"format\" is not \"liblrp-composite\"") }
        guard json["version"]?.integer == 1 else { throw LRPError.unsupported("composite file version \(json["version"]?.kind ?? "missing") (this library reads 1)") }
        guard let list = json["segments"]?.array else { throw LRPError.format("\"segments\" must be a list") }
        return try list.enumerated().map { i, entry in
            try withContext("segment \(i)") {
                guard let first = entry["first"]?.integer, let last = entry["last"]?.integer, let spec = entry["rule"]?.string else {
                    throw LRPError.format("needs \"first\", \"last\" (layer indices) and \"rule\" (a rule spec)")
                }
                return try Segment(first: first, last: last, rule: try Rule(spec: spec))
            }
        }
    }

    /// The composite file for per-layer rules: runs of equal rules become segments.
    public static func json(rules: [Rule]) -> JSON {
        var segments: [JSON] = []
        var start = 0
        for i in rules.indices where i == rules.count - 1 || rules[i + 1] != rules[i] {
            segments.append(.object([("first", .number(Double(start))), ("last", .number(Double(i))), ("rule", .string(rules[i].spec))]))
            start = i + 1
        }
        return .object([("format", .string("liblrp-composite")), ("version", .number(1)), ("segments", .array(segments))])
    }

    /// Reads a composite file.
    public static func read(path: String) throws -> [Segment] {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") { try segments(json: try JSON(parsing: bytes)) }
    }

    /// Writes the per-layer rules of `model` as a composite file.
    public static func write(_ model: any Network, path: String) throws {
        try FileIO.writeAtomically(Array((json(rules: model.presets).serialized() + "\n").utf8), to: path)
    }
}

extension Network {
    /// Applies a named composite (with parameters) or, when `name` ends in ".json", a composite file of segments:
    /// every layer's preset becomes the rule the composite assigns it; nothing changes on failure.
    public mutating func applyComposite(_ name: String, parameters: String? = nil) throws {
        let rules: [Rule]
        if name.lowercased().hasSuffix(".json") {
            guard parameters?.isEmpty ?? true else { throw LRPError.argument("a composite file takes no parameters") }
            rules = try Composite.rules(segments: try Composite.read(path: name), current: presets)
        } else {
            rules = try Composite.rules(named: name, parameters: parameters, for: self)
        }
        try setPresets(rules)
    }
}
