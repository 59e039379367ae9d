/// A one-element buffer that stands in for the base address of an empty array (never read or written).
nonisolated(unsafe) private let emptyBuffer = UnsafeMutablePointer<Double>.allocate(capacity: 1)

extension Array where Element == Double {
    /// Calls `body` with a pointer to the elements (a valid dummy pointer for an empty array).
    @inline(__always)
    func withPointer<R>(_ body: (UnsafePointer<Double>) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { try body($0.baseAddress ?? UnsafePointer(emptyBuffer)) }
    }

    /// Calls `body` with a mutable pointer to the elements (a valid dummy pointer for an empty array).
    @inline(__always)
    mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Double>) throws -> R) rethrows -> R {
        try withUnsafeMutableBufferPointer { try body($0.baseAddress ?? emptyBuffer) }
    }
}

/// Splits 0..<total into consecutive ranges of at most `size` elements.
func chunks(_ total: Int, size: Int) -> StrideTo<Int> {
    stride(from: 0, to: total, by: Swift.max(1, size))
}

/// The range of the chunk that starts at `start`.
@inline(__always)
func chunk(at start: Int, size: Int, total: Int) -> Range<Int> {
    start..<Swift.min(total, start + Swift.max(1, size))
}
