/// Writing 8-bit RGB PNG images (no filtering, zlib-compressed), enough for heatmaps.
public enum PNG {
    /// The bytes of a PNG image of height×width pixels, `rgb` holding 3 bytes per pixel row by row.
    public static func encode(rgb: [UInt8], height: Int, width: Int) throws -> [UInt8] {
        guard height >= 1, width >= 1, height <= Int(Int32.max), width <= Int(Int32.max), rgb.count == height * width * 3 else {
            throw LRPError.shape("a PNG of \(height)×\(width) pixels needs \(height * width * 3) bytes, got \(rgb.count)")
        }
        var raw = [UInt8]()
        raw.reserveCapacity(height * (width * 3 + 1))
        for row in 0..<height {
            raw.append(0)  // filter type None
            raw += rgb[(row * width * 3)..<((row + 1) * width * 3)]
        }
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width)); header.appendBigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // 8 bits per channel, truecolour, deflate, no filter method, no interlace
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        chunk(&out, "IHDR", header)
        chunk(&out, "IDAT", try Deflate.compress(raw))
        chunk(&out, "IEND", [])
        return out
    }

    private static func chunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        out.appendBigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        out += typed
        out.appendBigEndian(Deflate.crc32(typed[...]))
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }
}
