/// NumPy's `.npy` format (versions 1–3): a magic string, a Python-literal header naming dtype, order and
/// shape, then the raw elements. Reads every numeric dtype (floats, signed/unsigned integers, bool) in
/// either byte order and Fortran order, converting to float64 in C order; writes '<f8' in C order.
public struct NumpyFormat: ArrayFormat {
    public let name = "npy"
    public let extensions = ["npy"]

    /// The format.
    public init() {}

    public func read(path: String, key: String?) throws -> Tensor {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") { try Self.decode(bytes) }
    }

    public func write(_ array: Tensor, path: String) throws {
        try FileIO.writeAtomically(Self.encode(array), to: path)
    }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The array in an npy byte buffer, in float64.
    public static func decode(_ bytes: [UInt8]) throws -> Tensor {
        try decode(bytes, as: .float64)
    }

    /// The array in an npy byte buffer, in `precision`.
    static func decode(_ bytes: [UInt8], as precision: Precision) throws -> Tensor {
        var offset = 0
        return try bytes.withUnsafeBytes { source in
            try decode(size: bytes.count, as: precision) { destination, count in
                guard let base = source.baseAddress else { return }
                destination.copyMemory(from: base + offset, byteCount: count)
                offset += count
            }
        }
    }

    /// Elements converted per piece when the file's element type is not the tensor's (1 M: 8 MB of float64).
    static let piece = 1 << 20

    /// The array in an npy stream of `size` bytes, in `precision`. `read(destination, count)` delivers the
    /// stream's next `count` bytes (never more than `size` in all). The elements go straight into the tensor
    /// when the file holds them as its type in this machine's byte order, and through pieces of `piece`
    /// elements otherwise, so the peak is the tensor and one piece. Bytes after the elements are not read.
    static func decode(size: Int, as precision: Precision,
                       read: (UnsafeMutableRawPointer, Int) throws -> Void) throws -> Tensor {
        var consumed = 0
        func take(_ count: Int, _ what: String) throws -> [UInt8] {
            guard count <= size - consumed else {
                throw LRPError.format("truncated: \(what) needs \(count) bytes, \(size - consumed) are left")
            }
            var out = [UInt8](repeating: 0, count: count)
            try out.withUnsafeMutableBytes { raw in
                if let base = raw.baseAddress { try read(base, count) }
            }
            consumed += count
            return out
        }
        guard size >= 10 else { throw LRPError.format("not an npy file (the magic string \\x93NUMPY is missing)") }
        let prefix = try take(10, "the npy prefix")
        guard Array(prefix[0..<6]) == magic else {
            throw LRPError.format("not an npy file (the magic string \\x93NUMPY is missing)")
        }
        let major = Int(prefix[6])
        let headerLength: Int
        switch major {
        case 1: headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
        case 2, 3:
            let high = try take(2, "the header length")
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(high[0]) << 16 | Int(high[1]) << 24
        default: throw LRPError.unsupported("npy version \(major).\(prefix[7]) is not supported (1.0 – 3.0 are)")
        }
        let headerBytes = try take(headerLength, "the header")
        let header = try NumpyHeader(parsing: String(decoding: headerBytes, as: UTF8.self))
        let count = try Shape.count(header.shape)
        let available = size - consumed
        let (needed, overflow) = count.multipliedReportingOverflow(by: header.type.size)
        guard !overflow, needed <= available else {
            throw LRPError.format("truncated: shape \(Shape.describe(header.shape)) of \(header.descr) needs \(needed) data bytes, the file has \(available)")
        }
        if header.fortranOrder {
            let values = try header.type.decode(try take(needed, "the elements"), start: 0, count: count, bigEndian: header.bigEndian)
            return try Tensor(shape: header.shape, data: fortranToC(values, shape: header.shape)).converted(to: precision)
        }
        let tensor = try Tensor.uninitialized(header.shape, precision)
        func fill<T: Real>(_: T.Type) throws {
            let destination = tensor.storage.elements(T.self)
            if header.type.isNative(T.self, bigEndian: header.bigEndian) {
                try read(UnsafeMutableRawPointer(destination), needed)
                return
            }
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, Swift.min(count, piece) * header.type.size), alignment: 16)
            defer { scratch.deallocate() }
            var done = 0
            while done < count {
                let n = Swift.min(count - done, piece)
                try read(scratch, n * header.type.size)
                header.type.convert(UnsafeRawPointer(scratch), count: n, bigEndian: header.bigEndian, into: destination + done)
                done += n
            }
        }
        try precision.select(try fill(Double.self), try fill(Float.self))
        return tensor
    }

    /// `array` as an npy byte buffer ('<f8', C order, version 1.0, header padded to 64 bytes).
    public static func encode(_ array: Tensor) -> [UInt8] {
        let dims = array.shape.map(String.init)
        let shapeText = array.shape.count == 1 ? "(\(dims[0]),)" : "(\(dims.joined(separator: ", ")))"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shapeText), }"
        let version2 = 10 + header.utf8.count + 1 > 65535
        let fixed = version2 ? 12 : 10
        while (fixed + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out = magic + [version2 ? 2 : 1, 0]
        if version2 { out.appendLittleEndian(UInt32(header.utf8.count)) } else { out.appendLittleEndian(UInt16(header.utf8.count)) }
        out += Array(header.utf8)
        out.appendLittleEndian(array.data)
        return out
    }
}

/// The header of an npy file: `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
struct NumpyHeader {
    let descr: String
    let type: ElementType
    let bigEndian: Bool
    let fortranOrder: Bool
    let shape: [Int]

    init(parsing text: String) throws {
        var parser = PythonLiteralParser(text)
        let entries = try parser.dictionary()
        guard case .string(let descr)? = entries["descr"] else {
            if entries["descr"] != nil { throw LRPError.unsupported("structured npy arrays (a list as 'descr') are not supported") }
            throw LRPError.format("npy header has no 'descr' (dtype) entry")
        }
        guard case .bool(let fortran)? = entries["fortran_order"] else {
            throw LRPError.format("npy header has no 'fortran_order' entry")
        }
        guard case .tuple(let shape)? = entries["shape"] else {
            throw LRPError.format("npy header has no 'shape' entry")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw LRPError.format("npy shape \(shape) has a negative dimension") }
        self.descr = descr
        self.fortranOrder = fortran
        self.shape = shape
        (type, bigEndian) = try Self.elementType(descr)
    }

    /// Decodes a dtype string such as '<f8', '|u1', '>i4', '|b1'.
    static func elementType(_ descr: String) throws -> (ElementType, Bool) {
        var chars = Substring(descr)
        var bigEndian = false
        if let first = chars.first, "<>|=".contains(first) {
            bigEndian = first == ">"
            chars = chars.dropFirst()
        }
        let kind = chars.first ?? "?"
        let size = Int(chars.dropFirst()) ?? 0
        let type: ElementType?
        switch (kind, size) {
        case ("f", 2): type = .float16
        case ("f", 4): type = .float32
        case ("f", 8): type = .float64
        case ("i", 1): type = .int8
        case ("i", 2): type = .int16
        case ("i", 4): type = .int32
        case ("i", 8): type = .int64
        case ("u", 1): type = .uint8
        case ("u", 2): type = .uint16
        case ("u", 4): type = .uint32
        case ("u", 8): type = .uint64
        case ("b", 1): type = .bool
        default: type = nil
        }
        guard let type else {
            let what: String
            switch kind {
            case "O": what = "object arrays (pickled Python objects)"
            case "c": what = "complex numbers"
            case "U", "S", "a": what = "string arrays"
            default: what = "dtype '\(descr)'"
            }
            throw LRPError.unsupported("npy \(what) are not supported; only numeric arrays are")
        }
        return (type, bigEndian)
    }
}

/// Parses the small subset of Python literals that npy headers use: a dict with string keys whose values
/// are strings, True/False, tuples of integers (with Python 2's 'L' suffix) or other nested literals.
struct PythonLiteralParser {
    /// A parsed value.
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
        case other
    }

    private let chars: [Character]
    private var i = 0

    init(_ text: String) { chars = Array(text) }

    private mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    private mutating func expect(_ c: Character) throws {
        skipSpace()
        guard i < chars.count, chars[i] == c else { throw LRPError.format("npy header is malformed (expected '\(c)')") }
        i += 1
    }

    private mutating func peek() -> Character? {
        skipSpace()
        return i < chars.count ? chars[i] : nil
    }

    mutating func dictionary() throws -> [String: Value] {
        try expect("{")
        var entries: [String: Value] = [:]
        while let c = peek(), c != "}" {
            guard case .string(let key) = try value() else { throw LRPError.format("npy header is malformed (a key is not a string)") }
            try expect(":")
            entries[key] = try value()
            if peek() == "," { i += 1 }
        }
        try expect("}")
        return entries
    }

    private mutating func value() throws -> Value {
        guard let c = peek() else { throw LRPError.format("npy header is malformed (it ends early)") }
        switch c {
        case "'", "\"":
            i += 1
            var s = ""
            while i < chars.count, chars[i] != c { s.append(chars[i]); i += 1 }
            guard i < chars.count else { throw LRPError.format("npy header is malformed (unterminated string)") }
            i += 1
            return .string(s)
        case "(", "[":
            let close: Character = c == "(" ? ")" : "]"
            i += 1
            var items: [Int] = []
            var allIntegers = true
            while let d = peek(), d != close {
                if d.isNumber {
                    var digits = ""
                    while i < chars.count, chars[i].isNumber { digits.append(chars[i]); i += 1 }
                    if i < chars.count, chars[i] == "L" || chars[i] == "l" { i += 1 }
                    guard let n = Int(digits) else { throw LRPError.format("npy header has a dimension that is too large") }
                    items.append(n)
                } else {
                    _ = try value()
                    allIntegers = false
                }
                if peek() == "," { i += 1 }
            }
            try expect(close)
            return allIntegers && c == "(" ? .tuple(items) : .other
        case "{":
            _ = try dictionary()
            return .other
        default:
            var word = ""
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-" || chars[i] == "." {
                word.append(chars[i]); i += 1
            }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "": throw LRPError.format("npy header is malformed (unexpected '\(c)')")
            default: return .other
            }
        }
    }
}
