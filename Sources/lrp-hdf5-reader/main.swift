// lrp-hdf5-reader: liblrp's helper process for HDF5 files.
//
//   lrp-hdf5-reader [--memory-mb N] [--cpu-seconds S] FILE
//
// Reads FILE with libhdf5 and writes an HDF5Snapshot of it (groups, attributes, numeric datasets as float64)
// to standard output; on failure writes one line naming the problem to standard error and exits with 1 (3 when
// the memory limit is the reason).
// liblrp starts it for every .h5 file, so that libhdf5 — which crafted files can crash or hang — never runs in
// the caller's process. Before touching the file it limits itself: address space (N MiB of data plus room for
// the runtime), CPU time, no core dumps, no inherited descriptors beyond 0–2.
import CHDF5
import Glibc
import HDF5Snapshot

/// Writes all of `bytes` to standard output; false when the reader has gone away.
func writeOut(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(1, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}

/// Ends the helper with `message` on standard error and exit status `status` (1: the file, 3: the memory limit).
func fail(_ message: String, status: Int32 = 1) -> Never {
    var line = Array(message.utf8.prefix(4096))
    line.append(10)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(status)
}

/// Sets a resource limit (soft and hard).
func limit(_ resource: __rlimit_resource, _ value: UInt64) {
    var l = rlimit(rlim_cur: rlim_t(value), rlim_max: rlim_t(value))
    _ = setrlimit(__rlimit_resource_t(resource.rawValue), &l)
}

/// Closes every descriptor above standard error (one by one where the kernel lacks close_range).
func closeInherited() {
    if lrp_close_descriptors_from(3) == 0 { return }
    for fd in 3..<Int32(4096) { close(fd) }
}

var memoryMB = 4096, cpuSeconds = 120
var arguments = Array(CommandLine.arguments.dropFirst())
var path: String?
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--memory-mb", "--cpu-seconds":
        guard let text = arguments.first, let value = Int(text), value > 0, value < 1 << 40 else {
            fail("lrp-hdf5-reader: \(argument) needs a positive number")
        }
        arguments.removeFirst()
        if argument == "--memory-mb" { memoryMB = value } else { cpuSeconds = value }
    default:
        guard path == nil else { fail("lrp-hdf5-reader: usage: lrp-hdf5-reader [--memory-mb N] [--cpu-seconds S] FILE") }
        path = argument
    }
}
guard let path else { fail("lrp-hdf5-reader: usage: lrp-hdf5-reader [--memory-mb N] [--cpu-seconds S] FILE") }

// Limits first: the file is untrusted from here on. Room for the runtime and libhdf5's caches beside the
// data: the snapshot is streamed, so the data is held about twice at most (a dataset and its encoding).
closeInherited()
limit(RLIMIT_CORE, 0)
limit(RLIMIT_CPU, UInt64(cpuSeconds))
limit(RLIMIT_AS, UInt64(2 * memoryMB + 512) << 20)
signal(SIGPIPE, SIG_IGN)

do {
    let (file, size) = try HDF5Walker.open(path)
    var walker = HDF5Walker(file: file, fileSize: size, budget: memoryMB << 20) { encoder in
        guard writeOut(encoder.drain()) else { exit(2) }
    }
    try walker.walk()
    H5Fclose(file)
    exit(0)
} catch {
    fail(error.message, status: error.overLimit ? 3 : 1)
}
