/// MATLAB's level-5 MAT-file format (what `scipy.io.savemat` writes and the LRP Toolbox distributes MNIST
/// in): a 128-byte header, then data elements, possibly zlib-compressed. Reads numeric matrices of every
/// class (double, single, int8 … uint64, logical) in either byte order, converting column-major storage to
/// C order; writes one uncompressed double matrix (vectors as 1×n rows, as scipy does).
public struct MATFormat: ArrayFormat {
    public let name = "mat"
    public let extensions = ["mat"]

    /// The variable name used when writing, and read when no key is given.
    public static let defaultKey = "data"

    /// The format.
    public init() {}

    /// A variable of the file: its name and either its array or why it cannot be read.
    struct Variable {
        let name: String
        let array: Result<Tensor, LRPError>
    }

    public func read(path: String, key: String?) throws -> Tensor {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") {
            let variables = try Self.variables(bytes)
            let names = variables.map(\.name)
            let chosen: Variable
            if let key {
                guard let v = variables.first(where: { $0.name == key }) else {
                    throw LRPError.argument("no variable '\(key)' (variables: \(names.joined(separator: ", ")))")
                }
                chosen = v
            } else if let v = variables.first(where: { $0.name == Self.defaultKey }) {
                chosen = v
            } else if variables.count == 1, let v = variables.first {
                chosen = v
            } else {
                throw LRPError.argument("no variable '\(Self.defaultKey)'; name one (variables: \(names.joined(separator: ", ")))")
            }
            return try withContext("variable '\(chosen.name)'") { try chosen.array.get() }
        }
    }

    /// The names of the variables in the file at `path`.
    public func keys(path: String) throws -> [String] {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") { try Self.variables(bytes).map(\.name) }
    }

    public func write(_ array: Tensor, path: String) throws {
        try FileIO.writeAtomically(Self.encode(array, name: Self.defaultKey), to: path)
    }

    // MARK: Reading

    static let miINT8 = 1, miUINT8 = 2, miINT16 = 3, miUINT16 = 4, miINT32 = 5, miUINT32 = 6
    static let miSINGLE = 7, miDOUBLE = 9, miINT64 = 12, miUINT64 = 13, miMATRIX = 14, miCOMPRESSED = 15

    /// Every top-level variable of a MAT file's bytes.
    static func variables(_ bytes: [UInt8]) throws -> [Variable] {
        guard bytes.count >= 128 else { throw LRPError.format("not a MAT file (shorter than its 128-byte header)") }
        let text = String(decoding: bytes[0..<10], as: UTF8.self)
        guard text.hasPrefix("MATLAB") else {
            throw LRPError.format("not a level-5 MAT file (the header does not start with 'MATLAB')")
        }
        let bigEndian: Bool
        switch (bytes[126], bytes[127]) {
        case (UInt8(ascii: "I"), UInt8(ascii: "M")): bigEndian = false
        case (UInt8(ascii: "M"), UInt8(ascii: "I")): bigEndian = true
        default: throw LRPError.unsupported("not a level-5 MAT file (no endian indicator; v7.3 files are HDF5 and not supported)")
        }
        var reader = ByteReader(bytes, offset: 128)
        reader.bigEndian = bigEndian
        var variables: [Variable] = []
        while reader.remaining > 0 {
            guard reader.remaining >= 8 else { break }
            let (type, size, dataOffset) = try tag(&reader)
            let what = "data element \(variables.count + 1) at offset \(dataOffset - 8)"
            try reader.require(size, what)
            if type == miCOMPRESSED {
                // The inner element's tag declares its size: inflate that much and no more.
                let compressed = bytes[dataOffset..<(dataOffset + size)]
                let head = try withContext(what) { try Deflate.inflate(compressed, raw: false, expectedSize: 8, prefixOnly: true) }
                var headReader = ByteReader(head)
                headReader.bigEndian = bigEndian
                let (_, declared, headSize) = try tag(&headReader)
                let inflated = try withContext(what) {
                    try Deflate.inflate(compressed, raw: false, atMost: try Shape.sum(headSize, padded(declared)))
                }
                var inner = ByteReader(inflated)
                inner.bigEndian = bigEndian
                let (innerType, innerSize, innerOffset) = try tag(&inner)
                try inner.require(innerSize, what)
                if innerType == miMATRIX {
                    variables.append(try matrix(inflated, start: innerOffset, size: innerSize, bigEndian: bigEndian))
                }
                reader.offset = dataOffset + size
            } else {
                if type == miMATRIX {
                    variables.append(try matrix(bytes, start: dataOffset, size: size, bigEndian: bigEndian))
                }
                reader.offset = dataOffset + padded(size)
            }
        }
        return variables
    }

    /// Bytes an element of `size` takes with its padding to 8 bytes.
    static func padded(_ size: Int) -> Int { (size + 7) / 8 * 8 }

    /// Reads a tag: (type, size, offset of the data). Small elements (size ≤ 4) pack both into 4 bytes and
    /// their data into the next 4.
    static func tag(_ reader: inout ByteReader) throws -> (Int, Int, Int) {
        let first = try reader.u32("an element tag")
        if first >> 16 != 0 {
            guard first >> 16 <= 4 else { throw LRPError.format("a small data element claims \(first >> 16) bytes (at most 4 fit)") }
            let result = (first & 0xFFFF, first >> 16, reader.offset)
            try reader.skip(4, "a small element")
            return result
        }
        let size = try reader.u32("an element size")
        return (first, size, reader.offset)
    }

    /// One subelement of a matrix: (type, bytes start, size); advances past its padding.
    static func subelement(_ reader: inout ByteReader, _ what: String) throws -> (Int, Int, Int) {
        let before = reader.offset
        let first = try reader.u32(what)
        if first >> 16 != 0 {
            guard first >> 16 <= 4 else { throw LRPError.format("\(what) claims \(first >> 16) bytes in a small element (at most 4 fit)") }
            try reader.skip(4, what)
            return (first & 0xFFFF, before + 4, first >> 16)
        }
        let size = try reader.u32(what)
        let start = reader.offset
        try reader.require(size, what)
        reader.offset = start + Swift.min(padded(size), reader.remaining)
        return (first, start, size)
    }

    static func elementType(_ type: Int) -> ElementType? {
        switch type {
        case miINT8: return .int8
        case miUINT8: return .uint8
        case miINT16: return .int16
        case miUINT16: return .uint16
        case miINT32: return .int32
        case miUINT32: return .uint32
        case miSINGLE: return .float32
        case miDOUBLE: return .float64
        case miINT64: return .int64
        case miUINT64: return .uint64
        default: return nil
        }
    }

    /// Parses a miMATRIX element's contents.
    static func matrix(_ bytes: [UInt8], start: Int, size: Int, bigEndian: Bool) throws -> Variable {
        var reader = ByteReader(Array(bytes[start..<(start + size)]))
        reader.bigEndian = bigEndian
        let (_, flagsStart, flagsSize) = try subelement(&reader, "the array flags")
        guard flagsSize >= 4 else { throw LRPError.format("matrix array flags are truncated") }
        let flags = Int(reader.unsigned(at: flagsStart, size: 4))
        let arrayClass = flags & 0xFF
        let complex = flags & 0x800 != 0
        let (dimType, dimStart, dimSize) = try subelement(&reader, "the dimensions")
        guard dimType == miINT32, dimSize % 4 == 0, dimSize >= 8 else { throw LRPError.format("matrix dimensions are malformed") }
        let shape = (0..<(dimSize / 4)).map { Int(Int32(truncatingIfNeeded: reader.unsigned(at: dimStart + 4 * $0, size: 4))) }
        let (_, nameStart, nameSize) = try subelement(&reader, "the array name")
        let name = String(decoding: reader.bytes[nameStart..<(nameStart + nameSize)], as: UTF8.self)
        let numericClasses = 6...15
        guard numericClasses.contains(arrayClass) else {
            let kinds = [1: "cell array", 2: "struct", 3: "object", 4: "char array", 5: "sparse matrix"]
            return Variable(name: name, array: .failure(.unsupported("a \(kinds[arrayClass] ?? "class \(arrayClass) array") is not a numeric matrix")))
        }
        guard !complex else { return Variable(name: name, array: .failure(.unsupported("complex matrices are not supported"))) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw LRPError.format("matrix '\(name)' has a negative dimension") }
        let count = try Shape.count(shape)
        let (realType, realStart, realSize) = try subelement(&reader, "the real part of '\(name)'")
        guard let type = elementType(realType) else {
            throw LRPError.format("matrix '\(name)' stores its data as unknown type \(realType)")
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow, realSize == needed else {
            throw LRPError.format("matrix '\(name)' of shape \(Shape.describe(shape)) has \(realSize) data bytes, needs \(needed)")
        }
        let values = try type.decode(reader.bytes, start: realStart, count: count, bigEndian: bigEndian)
        return Variable(name: name, array: .success(try Tensor(shape: shape, data: fortranToC(values, shape: shape))))
    }

    // MARK: Writing

    /// A MAT file holding `array` as the double matrix `name`.
    static func encode(_ array: Tensor, name: String) -> [UInt8] {
        var header = Array("MATLAB 5.0 MAT-file, written by liblrp".utf8)
        header += [UInt8](repeating: 0x20, count: 116 - header.count)
        header += [UInt8](repeating: 0, count: 8)
        header.appendLittleEndian(UInt16(0x0100))
        header += [UInt8(ascii: "I"), UInt8(ascii: "M")]
        let shape = array.shape.count >= 2 ? array.shape : (array.shape.count == 1 ? [1, array.shape[0]] : [1, 1])
        var body: [UInt8] = []
        func element(_ type: Int, _ payload: [UInt8]) {
            body.appendLittleEndian(UInt32(type)); body.appendLittleEndian(UInt32(payload.count))
            body += payload
            body += [UInt8](repeating: 0, count: padded(payload.count) - payload.count)
        }
        var flags: [UInt8] = []
        flags.appendLittleEndian(UInt32(6)); flags.appendLittleEndian(UInt32(0))  // mxDOUBLE_CLASS
        element(miUINT32, flags)
        var dims: [UInt8] = []
        for d in shape { dims.appendLittleEndian(Int32(truncatingIfNeeded: d)) }
        element(miINT32, dims)
        element(miINT8, Array(name.utf8))
        var data: [UInt8] = []
        data.appendLittleEndian(cToFortran(array.data, shape: shape))
        element(miDOUBLE, data)
        var out = header
        out.appendLittleEndian(UInt32(miMATRIX)); out.appendLittleEndian(UInt32(body.count))
        return out + body
    }
}
