/// The window arithmetic shared by SumPool and MaxPool: a pool of ph×pw with stride sh×sw over each channel
/// of an N×H×W×D image, output N×Hout×Wout×D.
struct Pooling: Sendable {
    /// The pool window (ph, pw).
    let pool: (height: Int, width: Int)
    /// The stride (sh, sw).
    let stride: (height: Int, width: Int)

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

    /// The window geometry for an input shape, with shape errors that name the mismatch.
    func windows(for shape: [Int]) throws -> WindowGeometry {
        try expectRank(shape, 4, "N×H×W×D (rank 4)")
        return try WindowGeometry(height: shape[1], width: shape[2], channels: shape[3],
                                  window: (pool.height, pool.width), stride: (stride.height, stride.width))
    }

    /// The output shape N×Hout×Wout×D.
    func outputShape(for shape: [Int]) throws -> [Int] {
        let w = try windows(for: shape)
        return [shape[0], w.outputHeight, w.outputWidth, shape[3]]
    }

    /// Calls `body(windowBase, outputBase)` for every window of a batch of `batch` samples: the offset of the
    /// window's top-left element in the input and of its D outputs in the output.
    func forEachWindow(_ w: WindowGeometry, batch: Int, _ body: (Int, Int) -> Void) {
        let total = batch * w.outputHeight * w.outputWidth
        var output = 0
        w.forEachWindow(0..<total) { base in
            body(base, output)
            output += w.channels
        }
    }

    /// Calls `body(offset)` with the offset (relative to a window's base) of each of the window's pixels.
    @inline(__always)
    func forEachPixel(_ w: WindowGeometry, _ body: (Int) -> Void) {
        for kh in 0..<pool.height {
            for kw in 0..<pool.width { body(kh * w.inputRowStride + kw * w.channels) }
        }
    }

    /// ww and flat for pools: every output's relevance spread uniformly over its window, R_j / (ph·pw).
    func uniformRelevance(_ r: Tensor, input x: Tensor) throws -> Tensor {
        let w = try windows(for: x.shape)
        var result = try Memory.zeros(x.count)
        let share = 1 / Double(pool.height * pool.width)
        r.data.withPointer { rp in
            result.withMutablePointer { out in
                forEachWindow(w, batch: x.shape[0]) { base, o in
                    forEachPixel(w) { offset in
                        let dst = out + base + offset
                        for d in 0..<w.channels { dst[d] += rp[o + d] * share }
                    }
                }
            }
        }
        return Tensor(validShape: x.shape, data: result)
    }
}
