import Glibc
import Synchronization

/// The memory of a tensor: `count` values of one precision, 64-byte aligned, freed (or recycled) with the
/// last reference. Large blocks go back to `BufferCache` instead of the system, so that repeated forward and
/// relevance passes reuse memory rather than paying for fresh pages each time.
final class Storage: @unchecked Sendable {
    /// The first element's address.
    let base: UnsafeMutableRawPointer
    /// The number of elements.
    let count: Int
    /// The elements' type.
    let precision: Precision
    /// Counts the writes the library cannot see element by element (`Tensor.withUnsafeMutableStorage`,
    /// handing the address out): what was derived from the elements at an earlier count is stale.
    private let writes = Atomic<UInt64>(0)
    /// True once the address has been handed to a caller, who may write through it at any time: derived
    /// values are then checked against the elements' `fingerprint`.
    private let exposed = Atomic<Bool>(false)

    /// The write count (see `writes`).
    var version: UInt64 { writes.load(ordering: .acquiring) }
    /// True when a caller holds the address.
    var isExposed: Bool { exposed.load(ordering: .acquiring) }

    /// Records a write through `withUnsafeMutableStorage`.
    func noteWrite() { writes.add(1, ordering: .releasing) }

    /// Records that a caller received the address.
    func noteExposed() {
        exposed.store(true, ordering: .releasing)
        writes.add(1, ordering: .releasing)
    }

    /// A 64-bit hash of the element bytes (four interleaved multiply–xor lanes): equal contents give equal
    /// fingerprints, and a changed element changes it but for a 2⁻⁶⁴ chance.
    func fingerprint() -> UInt64 {
        let bytes = count &* precision.elementSize, words = bytes / 8
        let p = UnsafeRawPointer(base).assumingMemoryBound(to: UInt64.self)
        let prime: UInt64 = 0x100000001b3
        var (h0, h1, h2, h3): (UInt64, UInt64, UInt64, UInt64) = (0xcbf29ce484222325, 0x84222325cbf29ce4, 0x9e3779b97f4a7c15, 0xc2b2ae3d27d4eb4f)
        var i = 0
        while i + 4 <= words {
            h0 = (h0 ^ p[i]) &* prime
            h1 = (h1 ^ p[i + 1]) &* prime
            h2 = (h2 ^ p[i + 2]) &* prime
            h3 = (h3 ^ p[i + 3]) &* prime
            i += 4
        }
        while i < words { h0 = (h0 ^ p[i]) &* prime; i += 1 }
        let tail = UnsafeRawPointer(base).assumingMemoryBound(to: UInt8.self)
        for b in (words * 8)..<bytes { h1 = (h1 ^ UInt64(tail[b])) &* prime }
        return (h0 ^ (h1 &<< 1 | h1 &>> 63)) &* prime ^ (h2 &* 31) ^ (h3 &<< 7 | h3 &>> 57)
    }

    /// Uninitialized storage for `count` values of `precision`; `LRPError.memory` when it cannot be had.
    init(uninitialized count: Int, _ precision: Precision) throws {
        try Limits.checkAllocation(count, of: precision.elementSize, "a tensor of \(count) \(precision) values")
        self.count = count
        self.precision = precision
        let (bytes, overflow) = Swift.max(count, 1).multipliedReportingOverflow(by: precision.elementSize)
        if !overflow, let recycled = BufferCache.shared.take(bytes) {
            base = recycled
            return
        }
        var raw: UnsafeMutableRawPointer?
        guard !overflow, posix_memalign(&raw, 64, bytes) == 0, let raw else {
            throw LRPError.memory("cannot allocate \(count) \(precision) values (\(bytes >> 20) MiB)")
        }
        base = raw
    }

    /// The elements as `T` (which must be the storage's precision; kernels get it from `Precision.select`).
    @inline(__always)
    func elements<T: Real>(_: T.Type) -> UnsafeMutablePointer<T> {
        assert(T.precision == precision, "\(precision) storage read as \(T.precision)")
        return base.assumingMemoryBound(to: T.self)
    }

    deinit {
        if !BufferCache.shared.give(base, Swift.max(count, 1) &* precision.elementSize) { free(base) }
    }
}

/// A process-wide cache of large freed tensor blocks, looked up by exact size (models use the same sizes
/// pass after pass). It holds at most `limit` bytes (default 1 GiB, `LRP_CACHE_MB` in the environment
/// overrides it; 0 turns caching off) and drops its oldest blocks first.
final class BufferCache: Sendable {
    /// The cache all storage uses.
    static let shared = BufferCache()

    /// Blocks smaller than this (in bytes) go straight back to malloc, which serves them well.
    let minimumBytes = 1 << 19
    /// The most bytes held.
    let limit: Int

    /// Cached blocks as (bytes, address) pairs (addresses as integers, which cross the lock freely).
    private struct State {
        var blocks: [(bytes: Int, address: UInt)] = []
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

    /// A cached block of exactly `bytes` bytes, if there is one.
    func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minimumBytes else { return nil }
        let address = state.withLock { s -> UInt? in
            guard let i = s.blocks.lastIndex(where: { $0.bytes == bytes }) else { return nil }
            s.bytes -= bytes
            return s.blocks.remove(at: i).address
        }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Keeps a freed block of `bytes` bytes for reuse; false when the caller should free it.
    func give(_ pointer: UnsafeMutableRawPointer, _ bytes: Int) -> Bool {
        guard bytes >= minimumBytes, bytes <= limit else { return false }
        let address = UInt(bitPattern: pointer)
        let evicted = state.withLock { s -> [UInt] in
            var evicted: [UInt] = []
            while s.bytes + bytes > limit, !s.blocks.isEmpty {
                let oldest = s.blocks.removeFirst()
                s.bytes -= oldest.bytes
                evicted.append(oldest.address)
            }
            s.blocks.append((bytes, address))
            s.bytes += bytes
            return evicted
        }
        for a in evicted { free(UnsafeMutableRawPointer(bitPattern: a)) }
        return true
    }
}
