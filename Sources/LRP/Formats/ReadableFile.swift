import Glibc

/// A regular file open for reading pieces at given offsets (`pread`), so that large files — model archives
/// of a gigabyte — are decoded piece by piece instead of being read into memory whole. Errors name the file.
final class ReadableFile {
    /// The path, for messages.
    let path: String
    /// The size in bytes when it was opened.
    let size: Int
    private let fd: Int32

    /// Opens `path` (refusing what is not a regular file, as `FileIO.read` does).
    init(_ path: String) throws {
        self.path = path
        (fd, size) = try FileIO.openRegularFile(path)
    }

    deinit { close(fd) }

    /// Reads `count` bytes at `offset` into `destination`; fails (naming `what`) when the file ends first.
    func read(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer, _ what: @autoclosure () -> String) throws {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw LRPError.format("truncated: \(what()) needs bytes \(offset) to \(offset &+ count) of a \(size)-byte file")
        }
        var filled = 0
        while filled < count {
            let n = pread(fd, destination + filled, count - filled, off_t(offset + filled))
            if n < 0 {
                if errno == EINTR { continue }
                throw LRPError.io("cannot read '\(path)': \(FileIO.reason(errno))")
            }
            if n == 0 { throw LRPError.format("truncated: '\(path)' ended at byte \(offset + filled) reading \(what())") }
            filled += n
        }
    }

    /// `count` bytes at `offset` (at most the allocation limit).
    func bytes(at offset: Int, count: Int, _ what: @autoclosure () -> String) throws -> [UInt8] {
        try Limits.checkAllocation(count, of: 1, what())
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            try read(at: offset, count: count, into: base, what())
        }
        return out
    }
}
