/// A protocol-buffers message decoded from the binary wire format without a schema: its fields by number, in
/// order, each a varint, a 64- or 32-bit value, or a length-delimited byte range (a string, a nested message
/// or a packed array — the reader of the field decides). Caffe's `.caffemodel` files are such messages.
///
/// Every length and offset is checked against the buffer, so truncated or corrupt input gives an error
/// naming the field, never a crash.
struct ProtobufMessage {
    /// A field's value as it appears on the wire.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }

    /// The fields in wire order.
    let fields: [(number: Int, value: Value)]

    /// Decodes `bytes` (a whole message).
    init(_ bytes: ArraySlice<UInt8>) throws {
        var fields: [(number: Int, value: Value)] = []
        var i = bytes.startIndex
        let end = bytes.endIndex
        func varint() throws -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < end else { throw LRPError.format("truncated protobuf varint at byte \(i)") }
                let b = bytes[i]
                i += 1
                guard shift < 64 else { throw LRPError.format("protobuf varint longer than 10 bytes at byte \(i)") }
                result |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func fixed(_ size: Int) throws -> UInt64 {
            guard end - i >= size else { throw LRPError.format("truncated protobuf message: a \(size)-byte value at byte \(i) runs past the end") }
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(bytes[i + k]) << UInt64(8 * k) }
            i += size
            return v
        }
        while i < end {
            let key = try varint()
            let number = Int(truncatingIfNeeded: key >> 3)
            guard number >= 1 else { throw LRPError.format("corrupt protobuf message: field number 0 at byte \(i)") }
            switch key & 7 {
            case 0: fields.append((number, .varint(try varint())))
            case 1: fields.append((number, .fixed64(try fixed(8))))
            case 5: fields.append((number, .fixed32(UInt32(try fixed(4)))))
            case 2:
                let length = try varint()
                guard length <= UInt64(end - i) else {
                    throw LRPError.format("truncated protobuf message: field \(number) declares \(length) bytes, \(end - i) remain")
                }
                fields.append((number, .bytes(bytes[i..<(i + Int(length))])))
                i += Int(length)
            default:
                throw LRPError.format("corrupt protobuf message: wire type \(key & 7) of field \(number) at byte \(i) (groups are not supported)")
            }
        }
        self.fields = fields
    }

    /// The values of field `number`, in order.
    func values(_ number: Int) -> [Value] { fields.filter { $0.number == number }.map(\.value) }

    /// The nested messages of field `number`.
    func messages(_ number: Int) throws -> [ProtobufMessage] {
        try values(number).map { value in
            guard case .bytes(let b) = value else { throw LRPError.format("protobuf field \(number) is not a message") }
            return try ProtobufMessage(b)
        }
    }

    /// The first nested message of field `number`, or nil.
    func message(_ number: Int) throws -> ProtobufMessage? { try messages(number).first }

    /// The last string of field `number`, or nil.
    func string(_ number: Int) -> String? {
        for value in values(number).reversed() {
            if case .bytes(let b) = value { return String(decoding: b, as: UTF8.self) }
        }
        return nil
    }

    /// The integers of a repeated integer field, packed or not.
    func integers(_ number: Int) throws -> [Int64] {
        var out: [Int64] = []
        for value in values(number) {
            switch value {
            case .varint(let v): out.append(Int64(bitPattern: v))
            case .bytes(let packed):
                out += try Self.packedVarints(packed).map { Int64(bitPattern: $0) }
            default: throw LRPError.format("protobuf field \(number) is not an integer")
            }
        }
        return out
    }

    /// The last integer of field `number`, or nil.
    func integer(_ number: Int) throws -> Int64? { try integers(number).last }

    /// Decodes a packed run of varints.
    private static func packedVarints(_ bytes: ArraySlice<UInt8>) throws -> [UInt64] {
        var out: [UInt64] = []
        var value: UInt64 = 0, shift: UInt64 = 0
        for b in bytes {
            guard shift < 64 else { throw LRPError.format("packed protobuf varint longer than 10 bytes") }
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 {
                out.append(value)
                (value, shift) = (0, 0)
            } else {
                shift += 7
            }
        }
        guard shift == 0 else { throw LRPError.format("truncated packed protobuf varints") }
        return out
    }

    /// The floats of a repeated float (wire type 5) field, packed or not, as Doubles.
    func floats(_ number: Int) throws -> [Double] {
        var out: [Double] = []
        for value in values(number) {
            switch value {
            case .fixed32(let bits): out.append(Double(Float(bitPattern: bits)))
            case .bytes(let packed):
                guard packed.count % 4 == 0 else { throw LRPError.format("packed floats of field \(number) are \(packed.count) bytes, not a multiple of 4") }
                out.reserveCapacity(out.count + packed.count / 4)
                var i = packed.startIndex
                while i < packed.endIndex {
                    let bits = UInt32(packed[i]) | UInt32(packed[i + 1]) << 8 | UInt32(packed[i + 2]) << 16 | UInt32(packed[i + 3]) << 24
                    out.append(Double(Float(bitPattern: bits)))
                    i += 4
                }
            default: throw LRPError.format("protobuf field \(number) is not a float")
            }
        }
        return out
    }

    /// The doubles of a repeated double (wire type 1) field, packed or not.
    func doubles(_ number: Int) throws -> [Double] {
        var out: [Double] = []
        for value in values(number) {
            switch value {
            case .fixed64(let bits): out.append(Double(bitPattern: bits))
            case .bytes(let packed):
                guard packed.count % 8 == 0 else { throw LRPError.format("packed doubles of field \(number) are \(packed.count) bytes, not a multiple of 8") }
                var i = packed.startIndex
                while i < packed.endIndex {
                    var bits: UInt64 = 0
                    for k in 0..<8 { bits |= UInt64(packed[i + k]) << UInt64(8 * k) }
                    out.append(Double(bitPattern: bits))
                    i += 8
                }
            default: throw LRPError.format("protobuf field \(number) is not a double")
            }
        }
        return out
    }
}
