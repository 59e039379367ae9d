/// A message in the protocol-buffers text format, as Caffe's `.prototxt` files write it: fields by name, in
/// order, each a scalar (number, enum identifier or quoted string) or a nested message. Accepts `name: value`,
/// `name { … }`, `name: { … }`, `name < … >`, repeated scalars as `name: [1, 2]`, `#` comments, and
/// separating commas or semicolons. Errors name the line.
struct ProtoText {
    /// A field's value.
    enum Value {
        /// A number or enum identifier, as written.
        case token(String, line: Int)
        /// A quoted string (escapes resolved).
        case string(String, line: Int)
        case message(ProtoText)
    }

    /// The fields in order.
    let fields: [(name: String, value: Value)]
    /// The line where the message starts (1 for a whole file).
    let line: Int

    /// Parses a whole file's text.
    init(parsing text: String) throws {
        var parser = ProtoTextParser(Array(text.utf8))
        self = try parser.file()
    }

    init(fields: [(name: String, value: Value)], line: Int) {
        self.fields = fields
        self.line = line
    }

    /// The values of field `name`.
    func values(_ name: String) -> [Value] { fields.filter { $0.name == name }.map(\.value) }

    /// True when field `name` is present.
    func has(_ name: String) -> Bool { fields.contains { $0.name == name } }

    /// The nested messages of field `name`.
    func messages(_ name: String) throws -> [ProtoText] {
        try values(name).map { value in
            guard case .message(let m) = value else { throw LRPError.format("line \(Self.line(of: value)): '\(name)' must be a message { … }") }
            return m
        }
    }

    /// The (last) nested message of field `name`, or nil.
    func message(_ name: String) throws -> ProtoText? { try messages(name).last }

    static func line(of value: Value) -> Int {
        switch value {
        case .token(_, let line), .string(_, let line): return line
        case .message(let m): return m.line
        }
    }

    /// The scalars of field `name` as written (tokens and strings).
    func scalars(_ name: String) throws -> [(text: String, line: Int)] {
        try values(name).map { value in
            switch value {
            case .token(let t, let line), .string(let t, let line): return (t, line)
            case .message(let m): throw LRPError.format("line \(m.line): '\(name)' must be a value, not a message")
            }
        }
    }

    /// The last string or identifier of field `name`, or nil.
    func string(_ name: String) throws -> String? { try scalars(name).last?.text }

    /// The integers of field `name`.
    func integers(_ name: String) throws -> [Int] {
        try scalars(name).map { text, line in
            guard let value = Int(text) else { throw LRPError.format("line \(line): '\(name)' must be an integer, got '\(text)'") }
            return value
        }
    }

    /// The last integer of field `name`, or `fallback`.
    func integer(_ name: String, default fallback: Int) throws -> Int { try integers(name).last ?? fallback }

    /// The last number of field `name`, or `fallback`.
    func number(_ name: String, default fallback: Double) throws -> Double {
        guard let (text, line) = try scalars(name).last else { return fallback }
        let lowered = text.lowercased()
        switch lowered {
        case "inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: break
        }
        guard let value = Double(lowered.hasSuffix("f") ? String(lowered.dropLast()) : lowered) else {
            throw LRPError.format("line \(line): '\(name)' must be a number, got '\(text)'")
        }
        return value
    }

    /// The last Boolean of field `name`, or `fallback`.
    func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let (text, line) = try scalars(name).last else { return fallback }
        switch text.lowercased() {
        case "true", "t", "1": return true
        case "false", "f", "0": return false
        default: throw LRPError.format("line \(line): '\(name)' must be true or false, got '\(text)'")
        }
    }
}

/// The tokenizer and recursive-descent parser of `ProtoText`, with a nesting limit.
private struct ProtoTextParser {
    private let bytes: [UInt8]
    private var i = 0
    private var line = 1
    private var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String) -> LRPError { .format("line \(line): \(message)") }

    private mutating func skipSpaceAndComments() {
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") { line += 1; i += 1 } else if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0C || b == 0x0B {
                i += 1
            } else if b == UInt8(ascii: "#") {
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            } else {
                return
            }
        }
    }

    private static func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "+")
    }

    private mutating func word() -> String? {
        let start = i
        while i < bytes.count, Self.isWordByte(bytes[i]) { i += 1 }
        return i > start ? String(decoding: bytes[start..<i], as: UTF8.self) : nil
    }

    private func current() -> String {
        guard i < bytes.count else { return "the end of the file" }
        let b = bytes[i]
        return b >= 0x20 && b < 0x7F ? "'\(String(UnicodeScalar(b)))'" : "byte \\x\(String(b, radix: 16))"
    }

    mutating func file() throws -> ProtoText {
        let fields = try fieldList(until: nil)
        return ProtoText(fields: fields, line: 1)
    }

    private mutating func fieldList(until close: UInt8?) throws -> [(name: String, value: ProtoText.Value)] {
        var fields: [(name: String, value: ProtoText.Value)] = []
        let openedAt = line
        while true {
            skipSpaceAndComments()
            guard i < bytes.count else {
                if close != nil { throw error("unterminated message (opened on line \(openedAt))") }
                return fields
            }
            if let close, bytes[i] == close { i += 1; return fields }
            if bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: ";") { i += 1; continue }
            guard let name = word() else { throw error("unexpected \(current()) (expected a field name)") }
            skipSpaceAndComments()
            var colon = false
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") { i += 1; colon = true; skipSpaceAndComments() }
            guard i < bytes.count else { throw error("field '\(name)' has no value") }
            let b = bytes[i]
            if b == UInt8(ascii: "{") || b == UInt8(ascii: "<") {
                i += 1
                let start = line
                depth += 1
                guard depth <= 200 else { throw error("messages nested deeper than 200 levels") }
                let nested = try fieldList(until: b == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: ">"))
                depth -= 1
                fields.append((name, .message(ProtoText(fields: nested, line: start))))
            } else if colon, b == UInt8(ascii: "[") {
                i += 1
                while true {
                    skipSpaceAndComments()
                    guard i < bytes.count else { throw error("unterminated list of '\(name)'") }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; break }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    fields.append((name, try scalar(name)))
                }
            } else {
                guard colon else { throw error("field '\(name)' needs ':' before its value") }
                fields.append((name, try scalar(name)))
            }
        }
    }

    private mutating func scalar(_ name: String) throws -> ProtoText.Value {
        let b = bytes[i]
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
            var text = try quoted(b)
            // Adjacent string literals concatenate.
            while true {
                skipSpaceAndComments()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { break }
                text += try quoted(bytes[i])
            }
            return .string(text, line: line)
        }
        guard let token = word() else { throw error("unexpected \(current()) (expected the value of '\(name)')") }
        return .token(token, line: line)
    }

    private mutating func quoted(_ quote: UInt8) throws -> String {
        let startLine = line
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count, bytes[i] != UInt8(ascii: "\n") else {
                throw LRPError.format("line \(startLine): unterminated string")
            }
            let b = bytes[i]
            i += 1
            if b == quote { return String(decoding: out, as: UTF8.self) }
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard i < bytes.count else { throw LRPError.format("line \(startLine): unterminated string") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var v = Int(e - UInt8(ascii: "0"))
                for _ in 0..<2 where i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "7") {
                    v = v * 8 + Int(bytes[i] - UInt8(ascii: "0"))
                    i += 1
                }
                out.append(UInt8(truncatingIfNeeded: v))
            default: out.append(e)
            }
        }
    }
}
