import Glibc

/// Whole-file reading and atomic writing with errors that name the file and the system's reason.
public enum FileIO {
    /// The system's message for errno `code`.
    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Opens `path` for reading: the descriptor (the caller closes it) and the file's size; errors name the
    /// file: missing, unreadable, or not a regular file (a folder, FIFO, socket or device — which could block
    /// or never end — is refused without reading from it).
    static func openRegularFile(_ path: String) throws -> (fd: Int32, size: Int) {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw LRPError.io("cannot open '\(path)': \(reason(errno))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw LRPError.io("cannot stat '\(path)': \(reason(code))")
        }
        let problem: String?
        switch info.st_mode & S_IFMT {
        case S_IFREG: problem = nil
        case S_IFDIR: problem = "it is a directory"
        case S_IFIFO: problem = "it is a FIFO, not a regular file"
        case S_IFCHR, S_IFBLK: problem = "it is a device, not a regular file"
        default: problem = "not a regular file"
        }
        if let problem {
            close(fd)
            throw LRPError.io("cannot read '\(path)': \(problem)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, Int(info.st_size))
    }

    /// Opens `path` for reading (as `openRegularFile`) and runs `body` with the descriptor and the size.
    private static func withOpenFile<T>(_ path: String, _ body: (Int32, Int) throws -> T) throws -> T {
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
        return try body(fd, size)
    }

    /// The bytes of the regular file at `path` (at most the allocation limit, `Limits`).
    public static func read(_ path: String) throws -> [UInt8] {
        try withOpenFile(path) { fd, size in
            try Limits.checkAllocation(size, of: 1, "reading '\(path)'")
            var bytes = [UInt8](repeating: 0, count: size)
            var filled = 0
            while filled < size {
                let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress.map { $0 + filled }, size - filled) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LRPError.io("cannot read '\(path)': \(reason(errno))")
                }
                if n == 0 { break }
                filled += n
            }
            // A file that shrank while being read is read as it now is; one that grew, up to its size at open.
            if filled < size { bytes.removeSubrange(filled...) }
            return bytes
        }
    }

    /// The size in bytes of the regular file at `path` (errors as for `read`).
    public static func size(_ path: String) throws -> Int {
        try withOpenFile(path) { _, size in size }
    }

    /// Writes `bytes` to `path` through a temporary file in the same folder that is renamed over `path`, so
    /// an existing file is either replaced completely or left as it was.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw LRPError.io("cannot write '\(path)': \(reason(errno))") }
        var failure: String?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = reason(errno)
                    return
                }
                offset += n
            }
        }
        if close(fd) != 0, failure == nil { failure = reason(errno) }
        if failure == nil, rename(temporary, path) != 0 { failure = reason(errno) }
        if let failure {
            unlink(temporary)
            throw LRPError.io("cannot write '\(path)': \(failure)")
        }
    }

    /// The lower-cased extension of `path` without the dot ("" when it has none).
    public static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...]).lowercased()
    }
}
