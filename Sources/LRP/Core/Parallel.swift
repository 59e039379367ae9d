import Dispatch
import Glibc

/// Work splitting across the machine's cores for the loops around the matrix products (im2col, col2im,
/// pools, element-wise layers), whose cost on one core would otherwise match that of the products.
///
/// Work is split into contiguous parts, one per thread; callers choose part boundaries so that parts
/// never write the same memory (e.g. whole samples of a batch).
enum Parallel {
    /// Threads to use: `LRP_NUM_THREADS` from the environment, else the number of online processors (≤ 64).
    static let threads: Int = {
        if let text = getenv("LRP_NUM_THREADS").map({ String(cString: $0) }), let n = Int(text), n >= 1 {
            return Swift.min(n, 64)
        }
        return Swift.max(1, Swift.min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 64))
    }()

    /// Splits 0..<count into at most `threads` contiguous parts of at least `grain` items and runs `body`
    /// on each part, concurrently when there is more than one.
    static func forEachPart(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let parts = Swift.max(1, Swift.min(threads, count / Swift.max(1, grain)))
        guard parts > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedBody(body: escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                box.body((count * part / parts)..<(count * (part + 1) / parts))
            }
        }
    }

    /// Elements per part below which splitting an element-wise loop does not pay.
    static let elementGrain = 1 << 15
}

/// Carries a non-Sendable closure into `concurrentPerform`; the closure only writes disjoint memory.
private struct UncheckedBody: @unchecked Sendable {
    let body: (Range<Int>) -> Void
}
