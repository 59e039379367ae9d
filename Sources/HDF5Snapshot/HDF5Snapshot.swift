/// What liblrp needs of an HDF5 file, as plain values: its groups with their members, its attributes (text,
/// or the element count of numeric ones) and its numeric datasets as float64.
///
/// The helper executable `lrp-hdf5-reader` reads a file with libhdf5 and writes this snapshot to its standard
/// output; liblrp decodes it. libhdf5 therefore never runs inside a caller's process: a file that crashes,
/// hangs or exhausts it only ends the helper. The decoder trusts nothing in the bytes (the helper itself may
/// have been subverted by a crafted file): every length is checked against what is left before it is used.
///
/// Encoding: the 8-byte magic `LRPH5S1\n`, then records, each a tag byte and its fields, closed by the end tag.
/// Integers are little-endian; a string is a u32 byte count and UTF-8 bytes.
/// - group: path, u32 member count, member names (in libhdf5's name order);
/// - dataset: path, u32 rank, u64 dimensions, u8 numeric flag, then (numeric only) the float64 values;
/// - attribute: object path, name, u8 kind; strings: u32 count and the strings; numeric: u64 element count.
public struct HDF5Snapshot: Sendable, Equatable {
    /// An attribute's value as liblrp uses it.
    public enum Attribute: Sendable, Equatable {
        /// A string attribute (scalar or array).
        case strings([String])
        /// A numeric attribute with this many elements (values are not kept).
        case numeric(count: Int)
    }

    /// A dataset: its shape and, when numeric, its values converted to float64 in C order.
    public struct Dataset: Sendable, Equatable {
        /// The dimensions.
        public var shape: [Int]
        /// The values, or nil for a dataset that is not numeric.
        public var values: [Double]?

        /// A dataset.
        public init(shape: [Int], values: [Double]?) {
            self.shape = shape
            self.values = values
        }
    }

    /// The members of every group, by the group's absolute path ("/" for the root).
    public var groups: [String: [String]] = [:]
    /// Every dataset, by absolute path.
    public var datasets: [String: Dataset] = [:]
    /// The attributes of every object, by the object's absolute path and the attribute's name.
    public var attributes: [String: [String: Attribute]] = [:]

    /// An empty snapshot.
    public init() {}

    /// A decoding failure: what was malformed, and at which byte.
    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        /// The message.
        public let description: String
    }

    static let magic: [UInt8] = Array("LRPH5S1\n".utf8)

    enum Tag: UInt8 {
        case group = 1, dataset = 2, attribute = 3, end = 0xFF
    }

    // MARK: Encoding

    /// Incremental encoder that writes records as the file is walked, so that the helper never holds two
    /// copies of a dataset.
    public struct Encoder {
        /// The bytes written so far.
        public private(set) var bytes: [UInt8] = HDF5Snapshot.magic

        /// A new encoder (the magic written).
        public init() {}

        /// Clears the bytes already handed out (keeps memory flat while streaming).
        public mutating func drain() -> [UInt8] {
            defer { bytes.removeAll(keepingCapacity: true) }
            return bytes
        }

        private mutating func u8(_ v: UInt8) { bytes.append(v) }
        private mutating func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { bytes.append(contentsOf: $0) } }
        private mutating func u64(_ v: Int) { withUnsafeBytes(of: UInt64(truncatingIfNeeded: v).littleEndian) { bytes.append(contentsOf: $0) } }
        private mutating func string(_ s: String) {
            let utf8 = Array(s.utf8)
            u32(utf8.count)
            bytes.append(contentsOf: utf8)
        }

        /// A group and its members.
        public mutating func group(_ path: String, members: [String]) {
            u8(Tag.group.rawValue)
            string(path)
            u32(members.count)
            for m in members { string(m) }
        }

        /// A dataset; `values` (nil when not numeric) are written from the buffer.
        public mutating func dataset(_ path: String, shape: [Int], values: UnsafeBufferPointer<Double>?) {
            u8(Tag.dataset.rawValue)
            string(path)
            u32(shape.count)
            for d in shape { u64(d) }
            u8(values == nil ? 0 : 1)
            if let values {
                bytes.reserveCapacity(bytes.count + values.count * 8)
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            }
        }

        /// An attribute of the object at `path`.
        public mutating func attribute(_ path: String, _ name: String, _ value: Attribute) {
            u8(Tag.attribute.rawValue)
            string(path)
            string(name)
            switch value {
            case .strings(let strings):
                u8(0)
                u32(strings.count)
                for s in strings { string(s) }
            case .numeric(let count):
                u8(1)
                u64(count)
            }
        }

        /// The end record.
        public mutating func end() { u8(Tag.end.rawValue) }
    }

    // MARK: Decoding

    /// Decodes a snapshot; any malformed, truncated or unterminated input is a `DecodingError`.
    public init(decoding bytes: [UInt8]) throws(DecodingError) {
        var reader = Reader(bytes: bytes)
        guard bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw DecodingError(description: "the HDF5 reader's output does not start with its magic")
        }
        reader.offset = Self.magic.count
        while true {
            let tagByte = try reader.u8("record tag")
            guard let tag = Tag(rawValue: tagByte) else {
                throw DecodingError(description: "unknown record tag \(tagByte) at byte \(reader.offset - 1)")
            }
            switch tag {
            case .end:
                guard reader.offset == bytes.count else {
                    throw DecodingError(description: "\(bytes.count - reader.offset) bytes after the end record")
                }
                return
            case .group:
                let path = try reader.string("group path")
                let count = try reader.count("member count", minimumBytesEach: 4)
                var members: [String] = []
                members.reserveCapacity(count)
                for _ in 0..<count { members.append(try reader.string("member name of '\(path)'")) }
                groups[path] = members
            case .dataset:
                let path = try reader.string("dataset path")
                let rank = try reader.count("rank of '\(path)'", minimumBytesEach: 8)
                guard rank <= 32 else { throw DecodingError(description: "dataset '\(path)' has rank \(rank)") }
                var shape: [Int] = [], total = 1
                for _ in 0..<rank {
                    let d = try reader.u64("dimension of '\(path)'")
                    let (product, overflow) = total.multipliedReportingOverflow(by: d)
                    guard !overflow else { throw DecodingError(description: "dataset '\(path)' is impossibly large") }
                    (shape, total) = (shape + [d], product)
                }
                let numeric = try reader.u8("numeric flag of '\(path)'")
                var values: [Double]?
                if numeric == 1 {
                    let (byteCount, overflow) = total.multipliedReportingOverflow(by: 8)
                    guard !overflow, byteCount <= reader.remaining else {
                        throw DecodingError(description: "dataset '\(path)' is cut off (\(total) values declared)")
                    }
                    values = reader.doubles(total)
                } else if numeric != 0 {
                    throw DecodingError(description: "bad numeric flag \(numeric) of dataset '\(path)'")
                }
                datasets[path] = Dataset(shape: shape, values: values)
            case .attribute:
                let path = try reader.string("attribute's object")
                let name = try reader.string("attribute name")
                let kind = try reader.u8("attribute kind")
                switch kind {
                case 0:
                    let count = try reader.count("string count of '\(name)'", minimumBytesEach: 4)
                    var strings: [String] = []
                    strings.reserveCapacity(count)
                    for _ in 0..<count { strings.append(try reader.string("string of attribute '\(name)'")) }
                    attributes[path, default: [:]][name] = .strings(strings)
                case 1:
                    attributes[path, default: [:]][name] = .numeric(count: try reader.u64("element count of '\(name)'"))
                default:
                    throw DecodingError(description: "bad kind \(kind) of attribute '\(name)' of '\(path)'")
                }
            }
        }
    }

    /// The whole encoding of this snapshot (tests and tools; the helper streams with `Encoder`).
    public func encoded() -> [UInt8] {
        var e = Encoder()
        for (path, members) in groups.sorted(by: { $0.key < $1.key }) { e.group(path, members: members) }
        for (path, d) in datasets.sorted(by: { $0.key < $1.key }) {
            if let values = d.values {
                values.withUnsafeBufferPointer { e.dataset(path, shape: d.shape, values: $0) }
            } else {
                e.dataset(path, shape: d.shape, values: nil)
            }
        }
        for (path, named) in attributes.sorted(by: { $0.key < $1.key }) {
            for (name, value) in named.sorted(by: { $0.key < $1.key }) { e.attribute(path, name, value) }
        }
        e.end()
        return e.bytes
    }
}

/// Bounds-checked little-endian reading for the decoder.
private struct Reader {
    let bytes: [UInt8]
    var offset = 0

    var remaining: Int { bytes.count - offset }

    mutating func u8(_ what: String) throws(HDF5Snapshot.DecodingError) -> UInt8 {
        guard remaining >= 1 else { throw cutOff(what) }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func unsigned(_ size: Int, _ what: String) throws(HDF5Snapshot.DecodingError) -> UInt64 {
        guard remaining >= size else { throw cutOff(what) }
        var v: UInt64 = 0
        for i in (0..<size).reversed() { v = (v << 8) | UInt64(bytes[offset + i]) }
        offset += size
        return v
    }

    mutating func u64(_ what: String) throws(HDF5Snapshot.DecodingError) -> Int {
        let v = try unsigned(8, what)
        guard v <= UInt64(Int.max) else { throw HDF5Snapshot.DecodingError(description: "\(what) is out of range") }
        return Int(v)
    }

    /// A u32 count of items that take at least `minimumBytesEach` bytes each, checked against what is left.
    mutating func count(_ what: String, minimumBytesEach: Int) throws(HDF5Snapshot.DecodingError) -> Int {
        let n = Int(try unsigned(4, what))
        guard n <= remaining / minimumBytesEach else { throw cutOff(what) }
        return n
    }

    mutating func string(_ what: String) throws(HDF5Snapshot.DecodingError) -> String {
        let n = Int(try unsigned(4, what))
        guard n <= remaining else { throw cutOff(what) }
        defer { offset += n }
        return String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
    }

    /// `count` float64 values (the caller checked that they are there).
    mutating func doubles(_ count: Int) -> [Double] {
        var values = [Double](repeating: 0, count: count)
        values.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count * 8)]))
            }
        }
        offset += count * 8
        // Little-endian on the wire; every Linux target Swift supports is little-endian too.
        return values
    }

    private func cutOff(_ what: String) -> HDF5Snapshot.DecodingError {
        HDF5Snapshot.DecodingError(description: "the HDF5 reader's output is cut off in \(what) at byte \(offset)")
    }
}
