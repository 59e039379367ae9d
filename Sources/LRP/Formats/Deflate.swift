import CZlib

/// zlib's inflate and crc32 behind small Swift functions.
enum Deflate {
    /// Deflate expands at most about 1032:1; more declared output than this from `compressed` bytes is corrupt.
    static func plausibleSize(fromCompressed compressed: Int) -> Int {
        let (product, overflow) = compressed.multipliedReportingOverflow(by: 1100)
        return overflow ? Int.max : product + 4096
    }

    /// Decompresses `input`: a raw deflate stream (`raw`, as in zip members) or a zlib stream (MAT files).
    /// With `expectedSize` the output must have exactly that size; without it, output beyond what deflate can
    /// produce from the input (or beyond `atMost`) is an error. Either way inflating stops there, and at the allocation limit
    /// (`Limits`), before the output grows further. With `prefixOnly` it stops after `expectedSize` bytes and
    /// returns them (the start of a stream, e.g. to read a declared size).
    static func inflate(_ input: ArraySlice<UInt8>, raw: Bool, expectedSize: Int? = nil, atMost: Int? = nil,
                        prefixOnly: Bool = false) throws -> [UInt8] {
        let ceiling = expectedSize ?? Swift.min(atMost ?? Int.max, plausibleSize(fromCompressed: input.count))
        try Limits.checkAllocation(Swift.min(ceiling, plausibleSize(fromCompressed: input.count)), of: 1, "inflating \(input.count) compressed bytes")
        var stream = z_stream()
        let windowBits: Int32 = raw ? -15 : 15
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LRPError.memory("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        // One byte more than expected, so that a stream longer than declared shows as produced > expected.
        // A declared size is not trusted up front: the output starts at a few times the input and doubles,
        // so a stream that claims gigabytes but holds less fails before they are allocated.
        let first = prefixOnly ? ceiling : Swift.min(ceiling + 1, Swift.max(input.count * 8, 1 << 20))
        var output = [UInt8](repeating: 0, count: Swift.max(64, first))
        var produced = 0
        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                if prefixOnly, let expectedSize, produced >= expectedSize { return }
                if produced == output.count {
                    guard produced <= ceiling else {
                        throw LRPError.format("compressed data gives more than the \(ceiling) bytes \(expectedSize == nil ? "allowed here" : "declared")")
                    }
                    output.append(contentsOf: repeatElement(0, count: Swift.min(output.count, (ceiling - produced) + 1)))
                }
                let room = Swift.min(output.count - produced, Int(UInt32.max))
                let status = output.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress.map { $0 + produced }
                    stream.avail_out = uInt(room)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                produced += room - Int(stream.avail_out)
                switch status {
                case Z_STREAM_END:
                    return
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_out == 0:
                    continue  // the output was full: make room and go on
                case Z_BUF_ERROR:
                    throw LRPError.format("compressed data is truncated")
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "zlib code \(status)"
                    throw LRPError.format("compressed data is corrupt (\(detail))")
                }
            }
        }
        if prefixOnly, let expectedSize, produced < expectedSize {
            throw LRPError.format("compressed data gives \(produced) bytes, fewer than the \(expectedSize) its header needs")
        }
        if !prefixOnly, let expectedSize, produced != expectedSize {
            throw LRPError.format("compressed data gives \(produced) bytes, \(expectedSize) declared")
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Compresses `input` into a zlib stream.
    static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var size = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                compress2(out.baseAddress, &size, source.baseAddress, uLong(source.count), Z_DEFAULT_COMPRESSION)
            }
        }
        guard status == Z_OK else { throw LRPError.memory("zlib could not compress (code \(status))") }
        return Array(output[0..<Int(size)])
    }

    /// The CRC-32 of `bytes` (as zip files use it).
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        crc32(continuing: 0, bytes)
    }

    /// The CRC-32 of the bytes summed into `crc` so far followed by `bytes`.
    static func crc32(continuing crc: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { crc32(continuing: crc, $0) }
    }

    /// The CRC-32 of the bytes summed into `crc` so far followed by `buffer`.
    static func crc32(continuing crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        var sum = uLong(crc)
        var offset = 0
        while offset < buffer.count {
            let n = Swift.min(buffer.count - offset, Int(UInt32.max))
            sum = CZlib.crc32(sum, buffer.baseAddress.map { ($0 + offset).assumingMemoryBound(to: UInt8.self) }, uInt(n))
            offset += n
        }
        return UInt32(truncatingIfNeeded: sum)
    }
}
