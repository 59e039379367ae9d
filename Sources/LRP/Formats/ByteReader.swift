/// Bounds-checked reading of little- or big-endian numbers from a byte buffer; reading past the end throws
/// a format error naming what was being read.
struct ByteReader {
    /// The bytes.
    let bytes: [UInt8]
    /// Read position.
    var offset: Int
    /// True when multi-byte numbers are big-endian.
    var bigEndian = false

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Bytes left after the read position.
    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` bytes are available at the read position.
    func require(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw LRPError.format("truncated: \(what()) needs \(count) bytes at offset \(offset), \(Swift.max(remaining, 0)) left")
        }
    }

    /// An unsigned integer of `size` bytes at `position` (no bounds check: callers check with `require`).
    func unsigned(at position: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<size {
            let byte = UInt64(bytes[position + (bigEndian ? i : size - 1 - i)])
            value = (value << 8) | byte
        }
        return value
    }

    /// Reads an unsigned integer of `size` bytes.
    mutating func readUnsigned(_ size: Int, _ what: @autoclosure () -> String) throws -> UInt64 {
        try require(size, what())
        defer { offset += size }
        return unsigned(at: offset, size: size)
    }

    /// Reads a 16-bit unsigned integer.
    mutating func u16(_ what: @autoclosure () -> String) throws -> Int { Int(try readUnsigned(2, what())) }
    /// Reads a 32-bit unsigned integer.
    mutating func u32(_ what: @autoclosure () -> String) throws -> Int { Int(try readUnsigned(4, what())) }
    /// Reads a 64-bit unsigned integer (as Int; values above Int.max are rejected).
    mutating func u64(_ what: @autoclosure () -> String) throws -> Int {
        let v = try readUnsigned(8, what())
        guard let value = Int(exactly: v) else { throw LRPError.format("\(what()) is out of range") }
        return value
    }

    /// Reads `count` bytes.
    mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws -> ArraySlice<UInt8> {
        try require(count, what())
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// Skips `count` bytes.
    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws {
        try require(count, what())
        offset += count
    }
}

/// Numeric element types of binary array files, decoded to Double.
enum ElementType: Sendable, Equatable {
    case float16, float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool

    /// Bytes per element.
    var size: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// Decodes `count` elements starting at `start` into doubles.
    func decode(_ bytes: [UInt8], start: Int, count: Int, bigEndian: Bool) throws -> [Double] {
        let reader = ByteReader(bytes, offset: start)
        try reader.require(count * size, "\(count) elements of \(self)")
        var out = [Double](repeating: 0, count: count)
        var r = reader
        r.bigEndian = bigEndian
        for i in 0..<count {
            let bits = r.unsigned(at: start + i * size, size: size)
            switch self {
            case .float64: out[i] = Double(bitPattern: bits)
            case .float32: out[i] = Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
            case .float16: out[i] = Double(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
            case .int8: out[i] = Double(Int8(truncatingIfNeeded: bits))
            case .int16: out[i] = Double(Int16(truncatingIfNeeded: bits))
            case .int32: out[i] = Double(Int32(truncatingIfNeeded: bits))
            case .int64: out[i] = Double(Int64(bitPattern: bits))
            case .uint8, .uint16, .uint32, .uint64: out[i] = Double(bits)
            case .bool: out[i] = bits == 0 ? 0 : 1
            }
        }
        return out
    }
}

extension ElementType {
    /// True when elements of this type in this byte order are `T` as this machine stores it.
    func isNative<T: Real>(_: T.Type, bigEndian: Bool) -> Bool {
        guard bigEndian == (1.bigEndian == 1) else { return false }
        return (self == .float64 && T.self == Double.self) || (self == .float32 && T.self == Float.self)
    }

    /// Converts `count` elements at `source` (this type, in the given byte order, any alignment) into `T`.
    func convert<T: Real>(_ source: UnsafeRawPointer, count: Int, bigEndian: Bool, into destination: UnsafeMutablePointer<T>) {
        @inline(__always) func load<I: FixedWidthInteger>(_ i: Int, _: I.Type) -> I {
            let raw = source.loadUnaligned(fromByteOffset: i * MemoryLayout<I>.size, as: I.self)
            return bigEndian ? I(bigEndian: raw) : I(littleEndian: raw)
        }
        switch self {
        case .float64: for i in 0..<count { destination[i] = T(Double(bitPattern: load(i, UInt64.self))) }
        case .float32: for i in 0..<count { destination[i] = T(Float(bitPattern: load(i, UInt32.self))) }
        case .float16: for i in 0..<count { destination[i] = T(Float(Float16(bitPattern: load(i, UInt16.self)))) }
        case .int8: for i in 0..<count { destination[i] = T(load(i, Int8.self)) }
        case .int16: for i in 0..<count { destination[i] = T(load(i, Int16.self)) }
        case .int32: for i in 0..<count { destination[i] = T(load(i, Int32.self)) }
        case .int64: for i in 0..<count { destination[i] = T(load(i, Int64.self)) }
        case .uint8: for i in 0..<count { destination[i] = T(load(i, UInt8.self)) }
        case .uint16: for i in 0..<count { destination[i] = T(load(i, UInt16.self)) }
        case .uint32: for i in 0..<count { destination[i] = T(load(i, UInt32.self)) }
        case .uint64: for i in 0..<count { destination[i] = T(load(i, UInt64.self)) }
        case .bool: for i in 0..<count { destination[i] = load(i, UInt8.self) == 0 ? 0 : 1 }
        }
    }
}

/// Reorders column-major (Fortran order) elements of `shape` into row-major (C order).
func fortranToC(_ values: [Double], shape: [Int]) -> [Double] {
    guard shape.count > 1 else { return values }
    var out = [Double](repeating: 0, count: values.count)
    // Fortran strides: 1, d0, d0·d1, …; walk C order with an index vector.
    var fStrides = [Int](repeating: 1, count: shape.count)
    for i in 1..<shape.count { fStrides[i] = fStrides[i - 1] * shape[i - 1] }
    var index = [Int](repeating: 0, count: shape.count)
    var source = 0
    for c in 0..<values.count {
        out[c] = values[source]
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            source += fStrides[axis]
            if index[axis] < shape[axis] { break }
            source -= fStrides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
    return out
}

/// Reorders row-major elements of `shape` into column-major order: row-major data of `shape` is the
/// column-major data of the reversed shape, so this is `fortranToC` on the reversed shape.
func cToFortran(_ values: [Double], shape: [Int]) -> [Double] {
    fortranToC(values, shape: shape.reversed())
}

/// Appends little-endian encodings to a byte buffer.
extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }

    mutating func appendLittleEndian(_ values: [Double]) {
        reserveCapacity(count + values.count * 8)
        for v in values { appendLittleEndian(v.bitPattern) }
    }
}
