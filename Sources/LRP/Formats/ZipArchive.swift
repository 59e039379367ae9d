/// Reading and writing of zip archives as npz files use them: entries stored or deflated, zip64 extensions
/// (NumPy writes them), CRC-32 checked on extraction.
struct ZipArchive {
    /// One member of the archive.
    struct Entry {
        let name: String
        let method: Int
        let flags: Int
        let crc: UInt32
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    /// Where the archive's bytes are: in memory, or in a file read piece by piece.
    enum Source {
        case memory([UInt8])
        case file(ReadableFile)

        /// The archive's size in bytes.
        var count: Int {
            switch self {
            case .memory(let bytes): return bytes.count
            case .file(let file): return file.size
            }
        }

        /// `count` bytes at `offset`, or a truncation error naming `what`.
        func bytes(at offset: Int, count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
            switch self {
            case .memory(let bytes):
                guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
                    throw LRPError.format("truncated: \(what()) needs bytes \(offset) to \(offset &+ count) of \(bytes.count)")
                }
                return Array(bytes[offset..<(offset + count)])
            case .file(let file):
                return try file.bytes(at: offset, count: count, what())
            }
        }
    }

    /// The archive's bytes.
    let source: Source
    /// Its members in central-directory order.
    let entries: [Entry]

    /// Parses the central directory of an archive in memory.
    init(_ bytes: [UInt8]) throws {
        try self.init(source: .memory(bytes))
    }

    /// Parses the central directory of an archive file, reading only the directory.
    init(file: ReadableFile) throws {
        try self.init(source: .file(file))
    }

    private init(source: Source) throws {
        self.source = source
        // End of central directory: signature 0x06054b50 within the last 65557 bytes.
        let tailStart = Swift.max(0, source.count - 65557)
        let tail = try source.bytes(at: tailStart, count: source.count - tailStart, "the end of the archive")
        var found = -1
        var position = tail.count - 22
        while position >= 0 {
            if tail[position] == 0x50, tail[position + 1] == 0x4b, tail[position + 2] == 0x05, tail[position + 3] == 0x06 {
                found = position
                break
            }
            position -= 1
        }
        guard found >= 0 else { throw LRPError.format("not a zip archive (no end-of-central-directory record; truncated?)") }
        let eocd = tailStart + found
        var reader = ByteReader(tail, offset: found + 10)
        var count = try reader.u16("the entry count")
        var directorySize = try reader.u32("the central directory size")
        var directoryOffset = try reader.u32("the central directory offset")
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // Zip64: the locator just before the record points at the zip64 end-of-central-directory record.
            guard eocd >= 20 else { throw LRPError.format("zip64 locator is missing") }
            var locator = ByteReader(try source.bytes(at: eocd - 20, count: 20, "the zip64 locator"))
            guard try locator.u32("the zip64 locator") == 0x0706_4b50 else { throw LRPError.format("zip64 locator is missing") }
            try locator.skip(4, "the zip64 locator")
            let recordOffset = try locator.u64("the zip64 record offset")
            var record = ByteReader(try source.bytes(at: recordOffset, count: 56, "the zip64 end-of-central-directory record"))
            guard try record.u32("the zip64 record") == 0x0606_4b50 else { throw LRPError.format("zip64 record is missing") }
            try record.skip(20, "the zip64 record")
            count = try record.u64("the zip64 entry count")
            directorySize = try record.u64("the zip64 directory size")
            directoryOffset = try record.u64("the zip64 directory offset")
        }
        _ = directorySize
        // The directory lies between its offset and the end record (which it cannot overlap).
        guard directoryOffset <= eocd else {
            throw LRPError.format("the central directory offset \(directoryOffset) lies beyond its end record at \(eocd)")
        }
        var entries: [Entry] = []
        var directory = ByteReader(try source.bytes(at: directoryOffset, count: eocd - directoryOffset, "the central directory"))
        for index in 0..<count {
            let what = "central directory entry \(index + 1)"
            guard try directory.u32(what) == 0x0201_4b50 else { throw LRPError.format("\(what) is corrupt") }
            try directory.skip(4, what)
            let flags = try directory.u16(what)
            let method = try directory.u16(what)
            try directory.skip(4, what)
            let crc = UInt32(try directory.u32(what))
            var compressedSize = try directory.u32(what)
            var size = try directory.u32(what)
            let nameLength = try directory.u16(what)
            let extraLength = try directory.u16(what)
            let commentLength = try directory.u16(what)
            try directory.skip(8, what)
            var offset = try directory.u32(what)
            let name = String(decoding: try directory.take(nameLength, what), as: UTF8.self)
            var extra = ByteReader(Array(try directory.take(extraLength, what)))
            try directory.skip(commentLength, what)
            // Zip64 extended information: the 64-bit values of the fields that hold 0xFFFFFFFF, in order.
            while extra.remaining >= 4 {
                let id = try extra.u16(what), length = try extra.u16(what)
                var field = ByteReader(Array(try extra.take(length, what)))
                if id == 0x0001 {
                    if size == 0xFFFF_FFFF { size = try field.u64(what) }
                    if compressedSize == 0xFFFF_FFFF { compressedSize = try field.u64(what) }
                    if offset == 0xFFFF_FFFF { offset = try field.u64(what) }
                }
            }
            entries.append(Entry(name: name, method: method, flags: flags, crc: crc,
                                 compressedSize: compressedSize, size: size, localHeaderOffset: offset))
        }
        self.entries = entries
    }

    /// Where `entry`'s data starts, after its local header; checks what `extract` and `stream` both need.
    private func dataOffset(_ entry: Entry) throws -> Int {
        let what = "member '\(entry.name)'"
        guard entry.flags & 1 == 0 else { throw LRPError.unsupported("\(what) is encrypted") }
        var local = ByteReader(try source.bytes(at: entry.localHeaderOffset, count: 30, "the local header of \(what)"))
        guard try local.u32(what) == 0x0403_4b50 else { throw LRPError.format("\(what): local header is corrupt") }
        try local.skip(22, what)
        let nameLength = try local.u16(what), extraLength = try local.u16(what)
        // Deflate cannot expand more than about 1032:1; a larger declared size is corrupt (or hostile).
        guard entry.size <= Deflate.plausibleSize(fromCompressed: entry.compressedSize) else {
            throw LRPError.format("\(what) declares \(entry.size) bytes from \(entry.compressedSize) compressed ones, which deflate cannot produce")
        }
        return entry.localHeaderOffset + 30 + nameLength + extraLength
    }

    /// The uncompressed bytes of `entry`, checked against its CRC-32.
    func extract(_ entry: Entry) throws -> [UInt8] {
        let what = "member '\(entry.name)'"
        let start = try dataOffset(entry)
        let content: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.size else { throw LRPError.format("\(what): stored sizes disagree") }
            content = try source.bytes(at: start, count: entry.size, "the data of \(what)")
        case 8:
            let data = try source.bytes(at: start, count: entry.compressedSize, "the data of \(what)")
            content = try withContext(what) { try Deflate.inflate(data[...], raw: true, expectedSize: entry.size) }
        default:
            throw LRPError.unsupported("\(what) uses compression method \(entry.method) (stored and deflate are supported)")
        }
        guard Deflate.crc32(content[...]) == entry.crc else { throw LRPError.format("\(what): CRC-32 mismatch (corrupt data)") }
        return content
    }

    /// The npy array in `entry`, in `precision`. A stored member of an archive file is read in pieces
    /// straight into the tensor, so the peak is the tensor and one piece; any other member is extracted first.
    func array(_ entry: Entry, as precision: Precision) throws -> Tensor {
        guard entry.method == 0, case .file(let file) = source else {
            return try NumpyFormat.decode(try extract(entry), as: precision)
        }
        let what = "member '\(entry.name)'"
        var position = try dataOffset(entry)
        guard entry.compressedSize == entry.size else { throw LRPError.format("\(what): stored sizes disagree") }
        let end = position + entry.size
        guard end <= file.size else {
            throw LRPError.format("truncated: the data of \(what) needs bytes \(position) to \(end) of a \(file.size)-byte file")
        }
        var crc: UInt32 = 0
        let tensor = try NumpyFormat.decode(size: entry.size, as: precision) { destination, count in
            try file.read(at: position, count: count, into: destination, "the data of \(what)")
            crc = Deflate.crc32(continuing: crc, UnsafeRawBufferPointer(start: destination, count: count))
            position += count
        }
        // Bytes after the array's elements still count for the CRC.
        while position < end {
            let piece = try file.bytes(at: position, count: Swift.min(end - position, 1 << 20), "the data of \(what)")
            crc = Deflate.crc32(continuing: crc, piece[...])
            position += piece.count
        }
        guard crc == entry.crc else { throw LRPError.format("\(what): CRC-32 mismatch (corrupt data)") }
        return tensor
    }

    /// A zip archive of stored (uncompressed) members, with zip64 fields where sizes need them.
    static func build(_ members: [(name: String, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        for member in members {
            let offset = out.count
            let crc = Deflate.crc32(member.data[...])
            let name = Array(member.name.utf8)
            let large = member.data.count >= 0xFFFF_FFFF || offset >= 0xFFFF_FFFF
            var extra: [UInt8] = []
            if large {
                extra.appendLittleEndian(UInt16(1)); extra.appendLittleEndian(UInt16(24))
                extra.appendLittleEndian(UInt64(member.data.count)); extra.appendLittleEndian(UInt64(member.data.count))
                extra.appendLittleEndian(UInt64(offset))
            }
            let size32 = large ? UInt32.max : UInt32(member.data.count)
            // Local header.
            out.appendLittleEndian(UInt32(0x0403_4b50)); out.appendLittleEndian(UInt16(large ? 45 : 20))
            out.appendLittleEndian(UInt16(0)); out.appendLittleEndian(UInt16(0))
            out.appendLittleEndian(UInt16(0)); out.appendLittleEndian(UInt16(0x21))  // time 00:00, date 1980-01-01
            out.appendLittleEndian(crc); out.appendLittleEndian(size32); out.appendLittleEndian(size32)
            out.appendLittleEndian(UInt16(name.count)); out.appendLittleEndian(UInt16(extra.count))
            out += name; out += extra; out += member.data
            // Central directory entry.
            directory.appendLittleEndian(UInt32(0x0201_4b50)); directory.appendLittleEndian(UInt16(large ? 45 : 20))
            directory.appendLittleEndian(UInt16(large ? 45 : 20)); directory.appendLittleEndian(UInt16(0))
            directory.appendLittleEndian(UInt16(0)); directory.appendLittleEndian(UInt16(0))
            directory.appendLittleEndian(UInt16(0x21)); directory.appendLittleEndian(crc)
            directory.appendLittleEndian(size32); directory.appendLittleEndian(size32)
            directory.appendLittleEndian(UInt16(name.count)); directory.appendLittleEndian(UInt16(extra.count))
            directory.appendLittleEndian(UInt16(0)); directory.appendLittleEndian(UInt16(0))
            directory.appendLittleEndian(UInt16(0)); directory.appendLittleEndian(UInt32(0))
            directory.appendLittleEndian(large ? UInt32.max : UInt32(offset))
            directory += name; directory += extra
        }
        let directoryOffset = out.count
        out += directory
        let needs64 = directoryOffset >= 0xFFFF_FFFF || directory.count >= 0xFFFF_FFFF || members.count >= 0xFFFF
        if needs64 {
            let recordOffset = out.count
            out.appendLittleEndian(UInt32(0x0606_4b50)); out.appendLittleEndian(UInt64(44))
            out.appendLittleEndian(UInt16(45)); out.appendLittleEndian(UInt16(45))
            out.appendLittleEndian(UInt32(0)); out.appendLittleEndian(UInt32(0))
            out.appendLittleEndian(UInt64(members.count)); out.appendLittleEndian(UInt64(members.count))
            out.appendLittleEndian(UInt64(directory.count)); out.appendLittleEndian(UInt64(directoryOffset))
            out.appendLittleEndian(UInt32(0x0706_4b50)); out.appendLittleEndian(UInt32(0))
            out.appendLittleEndian(UInt64(recordOffset)); out.appendLittleEndian(UInt32(1))
        }
        out.appendLittleEndian(UInt32(0x0605_4b50)); out.appendLittleEndian(UInt16(0)); out.appendLittleEndian(UInt16(0))
        let count16 = needs64 ? UInt16.max : UInt16(members.count)
        out.appendLittleEndian(count16); out.appendLittleEndian(count16)
        out.appendLittleEndian(needs64 ? UInt32.max : UInt32(directory.count))
        out.appendLittleEndian(needs64 ? UInt32.max : UInt32(directoryOffset))
        out.appendLittleEndian(UInt16(0))
        return out
    }
}
