/// Scratch buffers for one thread's share of a call, kept in numbered slots so that a loop over chunks
/// reuses them; freed when the workspace goes away.
final class Workspace {
    private var slots: [(pointer: UnsafeMutablePointer<Double>, capacity: Int)] = []

    /// The buffer in `slot` with room for at least `count` values (contents unspecified).
    func buffer(_ slot: Int, _ count: Int) -> UnsafeMutablePointer<Double> {
        while slots.count <= slot { slots.append((UnsafeMutablePointer<Double>.allocate(capacity: 1), 1)) }
        if slots[slot].capacity < count {
            slots[slot].pointer.deallocate()
            slots[slot] = (UnsafeMutablePointer<Double>.allocate(capacity: count), count)
        }
        return slots[slot].pointer
    }

    deinit { for s in slots { s.pointer.deallocate() } }
}
