import Glibc

/// The resource limits that keep hostile files and arguments from exhausting the machine. Every allocation
/// whose size comes from a caller or a file is checked against `maxAllocationBytes` before it is made, and fails
/// with `LRPError.memory` when it is larger.
public enum Limits {
    /// The most bytes one allocation sized by a file or an argument may take: `LRP_MAX_ALLOC_MB` from the
    /// environment (MiB, ≥ 1), else half the machine's physical memory (at least 1 GiB).
    public static let maxAllocationBytes: Int = {
        if let text = getenv("LRP_MAX_ALLOC_MB").map({ String(cString: $0) }), let mb = Int(text), mb >= 1, mb < 1 << 40 {
            return mb << 20
        }
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 1 << 32 }
        let (physical, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max / 2 : Swift.max(physical / 2, 1 << 30)
    }()

    /// The limit in MiB, for messages.
    static var maxAllocationMB: Int { maxAllocationBytes >> 20 }

    /// The seconds the HDF5 helper process may take for one file: `LRP_HDF5_TIMEOUT` (seconds, ≥ 1), else 120.
    public static let hdf5Seconds: Int = {
        if let text = getenv("LRP_HDF5_TIMEOUT").map({ String(cString: $0) }), let s = Int(text), s >= 1, s <= 86_400 {
            return s
        }
        return 120
    }()

    /// Throws `LRPError.memory` unless `count` items of `size` bytes (named `what`) fit the limit.
    public static func checkAllocation(_ count: Int, of size: Int, _ what: @autoclosure () -> String) throws {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        guard count >= 0, !overflow, bytes <= maxAllocationBytes else {
            throw LRPError.memory("\(what()) would need \(count) × \(size) bytes, more than the allocation limit of \(maxAllocationMB) MiB (LRP_MAX_ALLOC_MB)")
        }
    }
}
