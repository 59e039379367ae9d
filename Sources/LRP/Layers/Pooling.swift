/// The window arithmetic shared by SumPool and MaxPool: a pool of ph×pw with stride sh×sw over each channel
/// of an N×H×W×D image, output N×Hout×Wout×D.
public struct Pooling: Sendable {
    /// The pool window (ph, pw).
    public let pool: (height: Int, width: Int)
    /// The stride (sh, sw).
    public let stride: (height: Int, width: Int)

    /// Checks pool and stride sizes (≥ 1).
    init(pool: (Int, Int), stride: (Int, Int), layer: String) throws {
        guard pool.0 >= 1, pool.1 >= 1, stride.0 >= 1, stride.1 >= 1 else {
            throw LRPError.argument("\(layer) needs pool and stride sizes ≥ 1, got \(pool.0) \(pool.1) \(stride.0) \(stride.1)")
        }
        self.pool = (pool.0, pool.1)
        self.stride = (stride.0, stride.1)
    }

    /// The "ph pw sh sw" part of the header line.
    var parameters: String { "\(pool.height) \(pool.width) \(stride.height) \(stride.width)" }

    /// Window size ph·pw.
    var size: Int { pool.height * pool.width }

    /// The window geometry for an input shape, with shape errors that name the mismatch.
    func windows(for shape: [Int]) throws -> Windows {
        try expectRank(shape, 4, "N×H×W×D (rank 4)")
        let g = try WindowGeometry(height: shape[1], width: shape[2], channels: shape[3],
                                   window: (pool.height, pool.width), stride: (stride.height, stride.width))
        return Windows(geometry: g, batch: shape[0])
    }

    /// The output shape N×Hout×Wout×D.
    func outputShape(for shape: [Int]) throws -> [Int] {
        let w = try windows(for: shape)
        return [shape[0], w.geometry.outputHeight, w.geometry.outputWidth, shape[3]]
    }

    /// ww and flat for pools: every output's relevance spread uniformly over its window, R_j / (ph·pw).
    func uniformRelevance(_ r: Tensor, input x: Tensor) throws -> Tensor {
        let w = try windows(for: x.shape)
        let result = try Tensor.zeros(x.shape)
        let (rp, out, d) = (r.pointer, result.mutablePointer, w.channels)
        let share = 1 / Double(size)
        w.forEachPart { windows in
            for window in windows {
                let base = w.base(window), o = window * d
                for offset in w.pixelOffsets {
                    let dst = out + base + offset
                    for c in 0..<d { dst[c] += rp[o + c] * share }
                }
            }
        }
        return result
    }
}

/// The windows of a pool over one batch: window `i` (numbered like the output pixels n·Hout·Wout + oh·Wout
/// + ow) starts at input offset `base(i)`, its pixels lie at `base(i) + pixelOffsets[k]`, and its D outputs
/// at `i·D`.
struct Windows {
    let geometry: WindowGeometry
    let batch: Int
    /// Offsets of a window's pixels relative to its first one, row by row.
    let pixelOffsets: [Int]

    init(geometry: WindowGeometry, batch: Int) {
        self.geometry = geometry
        self.batch = batch
        var offsets: [Int] = []
        for kh in 0..<geometry.windowHeight {
            for kw in 0..<geometry.windowWidth { offsets.append(kh * geometry.inputRowStride + kw * geometry.channels) }
        }
        pixelOffsets = offsets
    }

    /// Calls `body` with ranges of window indices, whole samples per range, in parallel (samples occupy
    /// disjoint input and output memory, so no two calls write the same element).
    func forEachPart(_ body: (Range<Int>) -> Void) {
        let perSample = geometry.outputHeight * geometry.outputWidth
        let grain = Swift.max(1, Parallel.elementGrain / Swift.max(1, perSample * geometry.channels * pixelOffsets.count))
        Parallel.forEachPart(batch, grain: grain) { samples in
            body((samples.lowerBound * perSample)..<(samples.upperBound * perSample))
        }
    }

    /// Number of windows, N·Hout·Wout.
    var count: Int { batch * geometry.outputHeight * geometry.outputWidth }
    /// Channels D.
    var channels: Int { geometry.channels }

    /// Input offset of the first pixel of window `i`.
    @inline(__always)
    func base(_ i: Int) -> Int {
        let g = geometry
        let perSample = g.outputHeight * g.outputWidth
        let n = i / perSample, rest = i - n * perSample
        let oh = rest / g.outputWidth, ow = rest - oh * g.outputWidth
        return n * g.inputSampleSize + oh * g.strideHeight * g.inputRowStride + ow * g.strideWidth * g.channels
    }
}
