/// Max pooling: Y = max of the window (the toolbox's `MaxPool(pool=(ph, pw), stride=(sh, sw))`).
///
/// Relevance: for simple, epsilon and alphabeta all of R_j goes to the window's maximal input(s), split
/// equally among ties; ww and flat spread it uniformly over the window.
public struct MaxPool: Layer {
    let pooling: Pooling

    /// A max pool with window `pool` (ph, pw) and `stride` (sh, sw).
    public init(pool: (Int, Int), stride: (Int, Int)) throws {
        pooling = try Pooling(pool: pool, stride: stride, layer: "MaxPool")
    }

    /// (ph, pw).
    public var pool: (height: Int, width: Int) { pooling.pool }
    /// (sh, sw).
    public var stride: (height: Int, width: Int) { pooling.stride }

    public var header: String { "MaxPool \(pooling.parameters)" }

    public func outputShape(for shape: [Int]) throws -> [Int] { try pooling.outputShape(for: shape) }

    public func forward(_ x: Tensor) throws -> Tensor {
        let shape = try outputShape(for: x.shape)
        let w = try pooling.windows(for: x.shape)
        var out = try Memory.zeros(try Shape.count(shape))
        x.data.withPointer { xp in
            out.withMutablePointer { op in
                pooling.forEachWindow(w, batch: x.shape[0]) { base, o in
                    (op + o).update(from: xp + base, count: w.channels)
                    pooling.forEachPixel(w) { offset in
                        let src = xp + base + offset
                        for d in 0..<w.channels where src[d] > op[o + d] { op[o + d] = src[d] }
                    }
                }
            }
        }
        return Tensor(validShape: shape, data: out)
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        switch rule {
        case .simple, .epsilon, .alphabeta: return try winnerTakesAll(r, x, y)
        case .ww, .flat: return try pooling.uniformRelevance(r, input: x)
        }
    }

    /// All of R_j to the inputs equal to the window's maximum y_j, split equally among ties.
    private func winnerTakesAll(_ r: Tensor, _ x: Tensor, _ y: Tensor) throws -> Tensor {
        let w = try pooling.windows(for: x.shape)
        guard y.count == (try Shape.count(try outputShape(for: x.shape))) else {
            throw LRPError.shape("stored output \(Shape.describe(y.shape)) does not match input \(Shape.describe(x.shape))")
        }
        var result = try Memory.zeros(x.count)
        var ties = [Double](repeating: 0, count: w.channels)
        x.data.withPointer { xp in
            y.data.withPointer { yp in
                r.data.withPointer { rp in
                    result.withMutablePointer { out in
                        ties.withMutablePointer { tp in
                            pooling.forEachWindow(w, batch: x.shape[0]) { base, o in
                                tp.update(repeating: 0, count: w.channels)
                                pooling.forEachPixel(w) { offset in
                                    let src = xp + base + offset
                                    for d in 0..<w.channels where src[d] == yp[o + d] { tp[d] += 1 }
                                }
                                for d in 0..<w.channels { tp[d] = tp[d] > 0 ? rp[o + d] / tp[d] : 0 }
                                pooling.forEachPixel(w) { offset in
                                    let src = xp + base + offset, dst = out + base + offset
                                    for d in 0..<w.channels where src[d] == yp[o + d] { dst[d] += tp[d] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(validShape: x.shape, data: result)
    }
}
