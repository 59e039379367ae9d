import CSystem
import Glibc

/// Runs the helper executable `lrp-hdf5-reader` on one HDF5 file and collects the snapshot it writes.
///
/// libhdf5 1.10 crashes and hangs on crafted files, so liblrp never calls it in the caller's process. The
/// helper is found in `LRP_HDF5_READER` (a path), beside the binary that holds liblrp (liblrp.so, or a
/// program linking it statically), or in `../libexec` from it (`make install`). It runs with a minimal environment, no inherited descriptors, its own
/// memory and CPU limits, and a wall-clock limit (`Limits.hdf5Seconds`) enforced here; its output is capped at
/// the allocation limit. A crash, hang, limit or error becomes an `LRPError` naming the file.
enum HDF5Process {
    /// The helper's file name.
    static let executableName = "lrp-hdf5-reader"

    /// The helper's path: `LRP_HDF5_READER`, else the folder of the binary this code was loaded from.
    static func executable() throws -> String {
        if let text = getenv("LRP_HDF5_READER").map({ String(cString: $0) }), !text.isEmpty { return text }
        let anchor: @convention(c) () -> Void = { }
        guard let name = csystem_binary_containing(unsafeBitCast(anchor, to: UnsafeRawPointer.self)) else {
            throw LRPError.unsupported("cannot locate liblrp's own file to find \(executableName); set LRP_HDF5_READER")
        }
        var binary = String(cString: name)
        if !binary.contains("/") {
            // The main program itself: dladdr reports argv[0]; /proc knows the real path.
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
            guard n > 0 else { throw LRPError.unsupported("cannot locate \(executableName); set LRP_HDF5_READER") }
            binary = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var folder = binary.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if folder.isEmpty { folder = "." }
        // Beside the library (a build folder, the Python package), or in PREFIX/libexec for PREFIX/lib.
        let beside = folder + "/" + executableName, installed = folder + "/../libexec/" + executableName
        return access(beside, X_OK) != 0 && access(installed, X_OK) == 0 ? installed : beside
    }

    /// The snapshot bytes of the HDF5 file at `path` (a regular file the caller has checked), read by
    /// `helper` (default: `executable()`) within `seconds` (default: `Limits.hdf5Seconds`).
    static func snapshot(of path: String, helper: String? = nil, seconds: Int = Limits.hdf5Seconds) throws -> [UInt8] {
        let helper = try helper ?? executable()
        guard access(helper, X_OK) == 0 else {
            throw LRPError.unsupported("the HDF5 helper '\(helper)' is missing or not executable (reading '\(path)'); it is built beside liblrp.so, or set LRP_HDF5_READER")
        }
        let memoryMB = Swift.max(64, Limits.maxAllocationMB)
        let arguments = [helper, "--memory-mb", "\(memoryMB)", "--cpu-seconds", "\(seconds)", path]
        let environment = ["HDF5_USE_FILE_LOCKING=FALSE", "HDF5_PLUGIN_PATH=/nonexistent", "LC_ALL=C"]

        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard csystem_pipe_cloexec(&out) == 0 else { throw LRPError.io("cannot start the HDF5 helper: \(FileIO.reason(errno))") }
        guard csystem_pipe_cloexec(&err) == 0 else {
            let reason = FileIO.reason(errno)
            close(out[0]); close(out[1])
            throw LRPError.io("cannot start the HDF5 helper: \(reason)")
        }
        defer { close(out[0]); close(err[0]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        var spawned = posix_spawn(&pid, helper, &actions, &attributes, argv, envp)
        // ETXTBSY: another thread of the caller's process forked while holding the helper open for writing (a
        // program written just before it runs); the child closes it at its exec, so trying again succeeds.
        for attempt in 1...5 where spawned == ETXTBSY {
            usleep(UInt32(10_000 * attempt))
            spawned = posix_spawn(&pid, helper, &actions, &attributes, argv, envp)
        }
        close(out[1])
        close(err[1])
        guard spawned == 0 else {
            throw LRPError.io("cannot start the HDF5 helper '\(helper)': \(FileIO.reason(spawned))")
        }

        let deadline = now() + Double(seconds)
        let outputLimit = Limits.maxAllocationBytes
        var output: [UInt8] = [], messages: [UInt8] = []
        var open = (out: true, err: true)
        var failure: LRPError?
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while open.out || open.err {
            let left = deadline - now()
            if left <= 0 {
                failure = .format("'\(path)': the HDF5 reader took longer than \(seconds) s (LRP_HDF5_TIMEOUT) and was stopped; the file is malformed or far too large")
                break
            }
            var fds = [pollfd(fd: open.out ? out[0] : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open.err ? err[0] : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(Swift.min(left * 1000 + 1, 60_000)))
            if ready < 0 {
                if errno == EINTR { continue }
                failure = .io("'\(path)': waiting for the HDF5 reader failed: \(FileIO.reason(errno))")
                break
            }
            for (index, fd) in [(0, out[0]), (1, err[0])] where fds[index].revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR || errno == EAGAIN { continue }
                if n <= 0 {
                    if index == 0 { open.out = false } else { open.err = false }
                } else if index == 0 {
                    output.append(contentsOf: chunk[0..<n])
                } else if messages.count < 1 << 16 {
                    messages.append(contentsOf: chunk[0..<n])
                }
            }
            if output.count > outputLimit {
                failure = .memory("'\(path)': its data exceeds the allocation limit of \(Limits.maxAllocationMB) MiB (LRP_MAX_ALLOC_MB)")
                break
            }
        }
        if failure != nil { kill(pid, SIGKILL) }
        var status: Int32 = 0
        var waited: pid_t
        repeat { waited = waitpid(pid, &status, 0) } while waited < 0 && errno == EINTR
        if let failure { throw failure }

        let message = String(decoding: messages, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        if waited == pid {
            let signalled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
            let exitCode = (status >> 8) & 0xff
            if signalled {
                let signal = status & 0x7f
                let reason = signal == SIGXCPU ? "used more than \(seconds) s of CPU time (LRP_HDF5_TIMEOUT)"
                    : signal == SIGKILL ? "was killed" : "crashed (signal \(signal))"
                throw LRPError.format("'\(path)': the HDF5 reader \(reason) while parsing it; the file is malformed")
            }
            if exitCode != 0 {
                if message.isEmpty {
                    throw LRPError.format("'\(path)': the HDF5 reader failed (exit status \(exitCode)); the file is malformed")
                }
                if exitCode == 3 { throw LRPError.memory("'\(path)': \(message)") }  // the helper's memory limit
                throw LRPError.format("'\(path)': \(message)")
            }
        }
        // waitpid may fail (a host that ignores SIGCHLD); the snapshot's end record still proves completeness.
        return output
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
