/// VisLRPDesigner's saved models (spec/designer.md) read as composite segments:
///
///     {"name": "...", "date": "...", "time": "...",
///      "configuration": [{"id": 0, "method": ["gamma"], "x0": 1, "x1": 11, "theta0": 0, "theta1": 1, "gamma0": 0,
///        "gamma1": 1, "gamma1p": 0.3, "gamma1n": 0, "gamma2": 0, "eps": 0, "alpha": 1, "beta": 0}, …]}
///
/// A segment covers layers x0 … x1, 1-based and inclusive; where segments overlap the later one wins. Each
/// segment takes the unified rule with its ten parameters, whatever its method's name. Two keys go beyond
/// VisLRPDesigner's own files, which liblrp's designer writes: "rule", a rule spec that replaces the ten
/// parameters (a rule the unified formula cannot express), and "low"/"high", the input bounds the method
/// "z_beta" needs (zᴮ is not a unified rule; VisLRPDesigner fixed its bounds for its one VGG-16).
enum VisLRPDesignerFormat {
    /// Whether `json` looks like a VisLRPDesigner file (an object with "configuration").
    static func matches(_ json: JSON) -> Bool { json["configuration"] != nil }

    /// The segments of a VisLRPDesigner file, 0-based; errors name the segment and the key.
    static func segments(json: JSON) throws -> [Composite.Segment] {
        guard let list = json["configuration"]?.array else {
            throw LRPError.format("\"configuration\" must be a list of segments, got \(json["configuration"]?.kind ?? "nothing")")
        }
        return try list.enumerated().map { i, entry in
            try withContext("segment \(i) of \"configuration\"") {
                guard entry.object != nil else { throw LRPError.format("a segment must be an object, got \(entry.kind)") }
                let first = try bound(entry, "x0"), last = try bound(entry, "x1")
                guard last >= first else { throw LRPError.format("x1 (\(last)) is before x0 (\(first))") }
                return try Composite.Segment(first: first - 1, last: last - 1, rule: try rule(of: entry))
            }
        }
    }

    /// A 1-based layer number.
    private static func bound(_ entry: JSON, _ key: String) throws -> Int {
        guard let value = entry[key] else { throw LRPError.format("needs \"\(key)\" (a 1-based layer number)") }
        guard let n = value.integer, n >= 1 else {
            throw LRPError.format("\"\(key)\" must be a layer number of 1 or more, got \(value.kind)")
        }
        return n
    }

    /// The method's names: a string or a list of strings (VisLRPDesigner writes a list of one).
    private static func methods(_ entry: JSON) throws -> [String] {
        switch entry["method"] {
        case nil: return []
        case .string(let s)?: return [s.lowercased()]
        case .array(let a)?:
            return try a.map {
                guard let s = $0.string else { throw LRPError.format("\"method\" must hold names, got \($0.kind)") }
                return s.lowercased()
            }
        case let other?: throw LRPError.format("\"method\" must be a name or a list of names, got \(other.kind)")
        }
    }

    private static func rule(of entry: JSON) throws -> Rule {
        if let spec = entry["rule"] {
            guard let text = spec.string else { throw LRPError.format("\"rule\" must be a rule spec string, got \(spec.kind)") }
            return try Rule(spec: text)
        }
        if try methods(entry).contains(where: { ["z_beta", "zbeta", "zb", "z^beta"].contains($0) }) {
            guard let low = entry["low"], let high = entry["high"] else {
                throw LRPError.format("method z_beta needs \"low\" and \"high\", the bounds of the input (VisLRPDesigner's files leave them out)")
            }
            return .zBox(try ZBox(low: try bounds(low, "low"), high: try bounds(high, "high"), epsilon: Rule.defaultStabilizer))
        }
        var unified = UnifiedRule()
        for (name, key) in [("alpha", "alpha"), ("beta", "beta"), ("theta0", "theta0"), ("theta1", "theta1"), ("gamma0", "gamma0"),
                            ("gamma1", "gamma1"), ("gamma1p", "gamma1p"), ("gamma1n", "gamma1n"), ("gamma2", "gamma2"), ("epsilon", "eps")] {
            guard let value = entry[key] else { throw LRPError.format("needs \"\(key)\" (one of the unified rule's ten parameters)") }
            guard let number = value.number else { throw LRPError.format("\"\(key)\" must be a number, got \(value.kind)") }
            try unified.set(name, number)
        }
        return .unified(unified)
    }

    /// zᴮ bounds: one number, or one per input channel.
    private static func bounds(_ value: JSON, _ key: String) throws -> [Double] {
        if let n = value.number { return [n] }
        guard let list = value.array, !list.isEmpty else {
            throw LRPError.format("\"\(key)\" must be a number or a list of numbers (one per input channel), got \(value.kind)")
        }
        return try list.map {
            guard let n = $0.number else { throw LRPError.format("\"\(key)\" must hold numbers, got \($0.kind)") }
            return n
        }
    }
}
