import Glibc
import Synchronization

/// The modified weight matrices of one Linear or Convolution — W⁺, W⁻, the gamma rule's W + γW⁺, W², … —
/// each built once per `WeightMap` and kept with the layer until W changes, so that repeated relevance passes
/// with alphabeta, z⁺, gamma or zᴮ do not rebuild them element by element.
///
/// A matrix is stale once W is written: `update` and every other write of the library bump W's write count;
/// once W's address has been handed to a caller (`lrp_layer_parameter`, numpy views), who may write through it
/// at any time, a matrix is also checked against a fingerprint of W's elements. All layers together keep at
/// most `limit` bytes (LRP_WEIGHT_CACHE_MB, default 2048; 0 turns keeping off): beyond it matrices are built for
/// the call and dropped.
final class ModifiedWeights: Sendable {
    private struct Entry {
        let matrix: Tensor
        let version: UInt64
        let fingerprint: UInt64?
    }

    private let entries = Mutex<[WeightMap: Entry]>([:])

    /// A new, empty cache (one per layer).
    init() {}

    deinit {
        let bytes = entries.withLock { $0.values.reduce(0) { $0 + Self.bytes($1.matrix) } }
        _ = Self.held.subtract(bytes, ordering: .relaxed)
    }

    /// The process-wide limit in bytes.
    static let limit: Int = {
        if let text = getenv("LRP_WEIGHT_CACHE_MB").map({ String(cString: $0) }), let mb = Int(text), mb >= 0 { return mb << 20 }
        return 2048 << 20
    }()

    /// Bytes held by all caches.
    private static let held = Atomic<Int>(0)

    private static func bytes(_ t: Tensor) -> Int { t.count &* t.precision.elementSize }

    /// The matrices for `maps` (identity excluded by the caller), from the cache where they are current for
    /// `weights`, else from `build` (and kept when the limit allows).
    func matrices(_ maps: Set<WeightMap>, of weights: Tensor, build: (WeightMap) throws -> Tensor) throws -> [WeightMap: Tensor] {
        guard !maps.isEmpty else { return [:] }  // rules on the layer itself: no fingerprint pass over W
        let storage = weights.storage
        let version = storage.version
        // Only for weights a caller can write behind the library's back: one pass over them per call.
        let fingerprint = storage.isExposed ? storage.fingerprint() : nil
        var result: [WeightMap: Tensor] = [:]
        var missing: [WeightMap] = []
        entries.withLock { cache in
            for map in maps {
                if let e = cache[map], e.version == version, e.fingerprint == fingerprint {
                    result[map] = e.matrix
                } else {
                    missing.append(map)
                }
            }
        }
        for map in missing {
            let matrix = try build(map)
            result[map] = matrix
            let size = Self.bytes(matrix)
            entries.withLock { cache in
                let old = cache[map].map { Self.bytes($0.matrix) } ?? 0
                let total = Self.held.add(size - old, ordering: .relaxed).newValue
                if total <= Self.limit {
                    cache[map] = Entry(matrix: matrix, version: version, fingerprint: fingerprint)
                } else {
                    _ = Self.held.subtract(size, ordering: .relaxed)
                    cache[map] = nil
                }
            }
        }
        return result
    }
}
