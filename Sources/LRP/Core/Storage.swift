import Glibc
import Synchronization

/// The memory of a tensor: `count` float64 values, 64-byte aligned, freed (or recycled) with the last
/// reference. Large blocks go back to `BufferCache` instead of the system, so that repeated forward and
/// relevance passes reuse memory rather than paying for fresh pages each time.
final class Storage: @unchecked Sendable {
    /// The first element.
    let base: UnsafeMutablePointer<Double>
    /// The number of elements.
    let count: Int

    /// Uninitialized storage for `count` values; `LRPError.memory` when it cannot be had.
    init(uninitialized count: Int) throws {
        try Limits.checkAllocation(count, of: MemoryLayout<Double>.stride, "a tensor of \(count) float64 values")
        self.count = count
        if let recycled = BufferCache.shared.take(count) {
            base = recycled
            return
        }
        let (bytes, overflow) = Swift.max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
        var raw: UnsafeMutableRawPointer?
        guard !overflow, posix_memalign(&raw, 64, bytes) == 0, let raw else {
            throw LRPError.memory("cannot allocate \(count) float64 values (\(count / (1 << 17)) MiB)")
        }
        base = raw.bindMemory(to: Double.self, capacity: Swift.max(count, 1))
    }

    deinit {
        if !BufferCache.shared.give(base, count) { free(base) }
    }
}

/// A process-wide cache of large freed tensor blocks, looked up by exact size (models use the same sizes
/// pass after pass). It holds at most `limit` bytes (default 1 GiB, `LRP_CACHE_MB` in the environment
/// overrides it; 0 turns caching off) and drops its oldest blocks first.
final class BufferCache: Sendable {
    /// The cache all storage uses.
    static let shared = BufferCache()

    /// Blocks smaller than this (in values) go straight back to malloc, which serves them well.
    let minimumCount = 1 << 16
    /// The most bytes held.
    let limit: Int

    /// Cached blocks as (count, address) pairs (addresses as integers, which cross the lock freely).
    private struct State {
        var blocks: [(count: Int, address: UInt)] = []
        var bytes = 0
    }

    private let state = Mutex(State())

    private init() {
        if let text = getenv("LRP_CACHE_MB").map({ String(cString: $0) }), let mb = Int(text), mb >= 0 {
            limit = mb << 20
        } else {
            limit = 1 << 30
        }
    }

    /// A cached block of exactly `count` values, if there is one.
    func take(_ count: Int) -> UnsafeMutablePointer<Double>? {
        guard count >= minimumCount else { return nil }
        let address = state.withLock { s -> UInt? in
            guard let i = s.blocks.lastIndex(where: { $0.count == count }) else { return nil }
            s.bytes -= count * MemoryLayout<Double>.stride
            return s.blocks.remove(at: i).address
        }
        return address.flatMap { UnsafeMutablePointer(bitPattern: $0) }
    }

    /// Keeps a freed block for reuse; false when the caller should free it.
    func give(_ pointer: UnsafeMutablePointer<Double>, _ count: Int) -> Bool {
        let bytes = count * MemoryLayout<Double>.stride
        guard count >= minimumCount, bytes <= limit else { return false }
        let address = UInt(bitPattern: pointer)
        let evicted = state.withLock { s -> [UInt] in
            var evicted: [UInt] = []
            while s.bytes + bytes > limit, !s.blocks.isEmpty {
                let oldest = s.blocks.removeFirst()
                s.bytes -= oldest.count * MemoryLayout<Double>.stride
                evicted.append(oldest.address)
            }
            s.blocks.append((count, address))
            s.bytes += bytes
            return evicted
        }
        for a in evicted { free(UnsafeMutableRawPointer(bitPattern: a)) }
        return true
    }
}
