/// Scratch buffers for one thread's share of a call, kept in numbered slots so that a loop over chunks
/// reuses them; freed when the workspace goes away.
final class Workspace {
    private var slots: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []

    /// The buffer in `slot` with room for at least `count` values of `T` (contents unspecified).
    func buffer<T: Real>(_ slot: Int, _ count: Int, _: T.Type = T.self) -> UnsafeMutablePointer<T> {
        let bytes = Swift.max(count, 1) &* MemoryLayout<T>.stride
        while slots.count <= slot { slots.append((UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64), 1)) }
        if slots[slot].bytes < bytes {
            slots[slot].pointer.deallocate()
            slots[slot] = (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), bytes)
        }
        return slots[slot].pointer.bindMemory(to: T.self, capacity: Swift.max(count, 1))
    }

    deinit { for s in slots { s.pointer.deallocate() } }
}
