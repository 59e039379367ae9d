import Glibc

/// A JSON value (RFC 8259), as Keras configs and liblrp's model archives use it. Objects keep their keys in
/// file order. The parser also accepts Python's `NaN`, `Infinity` and `-Infinity`, which `json.dumps`
/// writes by default and Keras configs can contain.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(key: String, value: JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    // MARK: Access

    /// The member `key` of an object (the first, if repeated); nil for other values or a missing key.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// The string, or nil.
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The number, or nil.
    public var number: Double? { if case .number(let n) = self { return n } else { return nil } }
    /// The Boolean, or nil.
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The elements of an array, or nil.
    public var array: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    /// The members of an object, or nil.
    public var object: [(key: String, value: JSON)]? { if case .object(let o) = self { return o } else { return nil } }
    /// True for `null`.
    public var isNull: Bool { self == .null }

    /// The number as an exact integer, or nil (fractions, out of range, other values).
    public var integer: Int? {
        guard case .number(let n) = self, n.rounded() == n, abs(n) <= 9_007_199_254_740_992 else { return nil }
        return Int(n)
    }

    /// A short description of the value's kind for messages ("a string", "an array of 3").
    public var kind: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(let n): return "the number \(JSON.format(n))"
        case .string(let s): return "the string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array(let a): return "an array of \(a.count)"
        case .object: return "an object"
        }
    }

    // MARK: Parsing

    /// Parses a complete JSON text; errors name the line and column.
    public init(parsing text: String) throws {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses a complete JSON text given as UTF-8 bytes.
    public init(parsing bytes: [UInt8]) throws {
        var parser = JSONParser(bytes)
        self = try parser.document()
    }

    // MARK: Writing

    /// The value as JSON text: objects and arrays of objects indented by two spaces per level, short arrays
    /// of scalars on one line. Numbers are written so that parsing gives back the identical Double.
    public func serialized() -> String {
        var out = ""
        write(to: &out, indent: 0)
        return out
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += JSON.format(n)
        case .string(let s): JSON.quote(s, into: &out)
        case .array(let elements):
            let scalars = elements.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            if scalars {
                out += "["
                for (i, e) in elements.enumerated() {
                    if i > 0 { out += ", " }
                    e.write(to: &out, indent: indent)
                }
                out += "]"
                return
            }
            out += "[\n"
            for (i, e) in elements.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                e.write(to: &out, indent: indent + 2)
                out += i + 1 < elements.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (i, m) in members.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                JSON.quote(m.key, into: &out)
                out += ": "
                m.value.write(to: &out, indent: indent + 2)
                out += i + 1 < members.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }

    /// Integers without a fraction, other numbers in Swift's shortest round-trip form; Python's spellings
    /// for the non-finite values.
    static func format(_ n: Double) -> String {
        if n.isNaN { return "NaN" }
        if n.isInfinite { return n > 0 ? "Infinity" : "-Infinity" }
        if n.rounded() == n, abs(n) < 1e15 { return String(Int(n)) }
        return "\(n)"
    }

    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// A recursive-descent JSON parser over UTF-8 bytes with a nesting limit (hostile input cannot exhaust the
/// stack).
private struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0
    private static let maximumDepth = 512

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func document() throws -> JSON {
        // A UTF-8 byte order mark is tolerated.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        let value = try self.value()
        skipSpace()
        guard i == bytes.count else { throw error("unexpected '\(character(at: i))' after the end of the JSON value") }
        return value
    }

    /// "line L, column C" of byte offset `offset`.
    private func position(_ offset: Int) -> String {
        var line = 1, column = 1
        for b in bytes[0..<min(offset, bytes.count)] {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return "line \(line), column \(column)"
    }

    private func error(_ message: String, at offset: Int? = nil) -> LRPError {
        .format("JSON \(position(offset ?? i)): \(message)")
    }

    private func character(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of text" }
        let b = bytes[offset]
        return b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16)
    }

    private mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private mutating func literal(_ word: String, _ value: JSON) throws -> JSON {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else {
            throw error("unexpected '\(character(at: i))' (expected a value)")
        }
        i += w.count
        return value
    }

    private mutating func value() throws -> JSON {
        skipSpace()
        guard i < bytes.count else { throw error("unexpected end of text (expected a value)") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try nested { try $0.object() }
        case UInt8(ascii: "["): return try nested { try $0.array() }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "N"): return try literal("NaN", .number(.nan))
        case UInt8(ascii: "I"): return try literal("Infinity", .number(.infinity))
        case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "I"):
            i += 1
            return try literal("Infinity", .number(-.infinity))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected '\(character(at: i))' (expected a value)")
        }
    }

    private mutating func nested(_ body: (inout JSONParser) throws -> JSON) throws -> JSON {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        return try body(&self)
    }

    private mutating func object() throws -> JSON {
        let start = i
        i += 1
        var members: [(key: String, value: JSON)] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < bytes.count else { throw error("unterminated object (opened at \(position(start)))") }
            guard bytes[i] == UInt8(ascii: "\"") else { throw error("unexpected '\(character(at: i))' (expected a member name in quotes)") }
            let key = try string()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("unexpected '\(character(at: i))' (expected ':' after \"\(key)\")") }
            i += 1
            members.append((key, try value()))
            skipSpace()
            guard i < bytes.count else { throw error("unterminated object (opened at \(position(start)))") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw error("unexpected '\(character(at: i))' (expected ',' or '}' in an object)")
        }
    }

    private mutating func array() throws -> JSON {
        let start = i
        i += 1
        var elements: [JSON] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
        while true {
            elements.append(try value())
            skipSpace()
            guard i < bytes.count else { throw error("unterminated array (opened at \(position(start)))") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
            throw error("unexpected '\(character(at: i))' (expected ',' or ']' in an array)")
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("bad hex digit '\(character(at: i))' in a \\u escape")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    private mutating func string() throws -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw error("unterminated string (opened at \(position(start)))") }
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""):
                i += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                i += 1
                guard i < bytes.count else { throw error("unterminated string (opened at \(position(start)))") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            out += Array("\u{FFFD}".utf8)
                            code = low
                        }
                    }
                    if let scalar = Unicode.Scalar(code) { out += Array(String(scalar).utf8) } else { out += Array("\u{FFFD}".utf8) }
                default: throw error("unknown escape '\\\(character(at: i - 1))' in a string", at: i - 2)
                }
            default:
                guard b >= 0x20 else { throw error("control character \\x\(String(b, radix: 16)) inside a string") }
                out.append(b)
                i += 1
            }
        }
    }

    private mutating func number() throws -> Double {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let s = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            return i - s
        }
        guard digits() > 0 else { throw error("malformed number", at: start) }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw error("malformed number (no digits after '.')", at: start) }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw error("malformed number (no digits in the exponent)", at: start) }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard let value = Double(text) else { throw error("malformed number '\(text)'", at: start) }
        return value
    }
}
