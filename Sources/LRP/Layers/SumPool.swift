import Glibc

/// Sum pooling, scaled to keep the output well conditioned: Y = (sum of the window) / sqrt(ph·pw)
/// (the toolbox's `SumPool(pool=(ph, pw), stride=(sh, sw))`).
///
/// Relevance, with s_j the plain window sum: simple/epsilon R_i = Σ_j x_i·R_j/(s_j + ε·sign(s_j)) (ε = 1e-12
/// for simple); alphabeta with x⁺ and x⁻ in place of z⁺_ij and z⁻_ij; ww and flat spread R_j uniformly.
public struct SumPool: Layer {
    let pooling: Pooling

    /// A sum pool with window `pool` (ph, pw) and `stride` (sh, sw).
    public init(pool: (Int, Int), stride: (Int, Int)) throws {
        pooling = try Pooling(pool: pool, stride: stride, layer: "SumPool")
    }

    /// (ph, pw).
    public var pool: (height: Int, width: Int) { pooling.pool }
    /// (sh, sw).
    public var stride: (height: Int, width: Int) { pooling.stride }

    public var header: String { "SumPool \(pooling.parameters)" }

    public func outputShape(for shape: [Int]) throws -> [Int] { try pooling.outputShape(for: shape) }

    public func forward(_ x: Tensor) throws -> Tensor {
        let shape = try outputShape(for: x.shape)
        let w = try pooling.windows(for: x.shape)
        var out = try Memory.zeros(try Shape.count(shape))
        let normalizer = 1 / sqrt(Double(pooling.pool.height * pooling.pool.width))
        x.data.withPointer { xp in
            out.withMutablePointer { op in
                pooling.forEachWindow(w, batch: x.shape[0]) { base, o in
                    pooling.forEachPixel(w) { offset in
                        let src = xp + base + offset
                        for d in 0..<w.channels { op[o + d] += src[d] }
                    }
                    for d in 0..<w.channels { op[o + d] *= normalizer }
                }
            }
        }
        return Tensor(validShape: shape, data: out)
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        switch rule {
        case .simple: return try ratioRelevance(r, x, epsilon: 1e-12)
        case .epsilon(let eps): return try ratioRelevance(r, x, epsilon: eps)
        case .alphabeta(let alpha): return try alphaBetaRelevance(r, x, alpha: alpha)
        case .ww, .flat: return try pooling.uniformRelevance(r, input: x)
        }
    }

    /// R_i = Σ_j x_i·R_j / (s_j + ε·sign(s_j)) with s_j the plain sum of window j.
    private func ratioRelevance(_ r: Tensor, _ x: Tensor, epsilon eps: Double) throws -> Tensor {
        let w = try pooling.windows(for: x.shape)
        var result = try Memory.zeros(x.count)
        var q = [Double](repeating: 0, count: w.channels)
        x.data.withPointer { xp in
            r.data.withPointer { rp in
                result.withMutablePointer { out in
                    q.withMutablePointer { qp in
                        pooling.forEachWindow(w, batch: x.shape[0]) { base, o in
                            qp.update(repeating: 0, count: w.channels)
                            pooling.forEachPixel(w) { offset in
                                let src = xp + base + offset
                                for d in 0..<w.channels { qp[d] += src[d] }
                            }
                            for d in 0..<w.channels {
                                let s = qp[d]
                                qp[d] = rp[o + d] / (s + (s >= 0 ? eps : -eps))
                            }
                            pooling.forEachPixel(w) { offset in
                                let src = xp + base + offset, dst = out + base + offset
                                for d in 0..<w.channels { dst[d] += src[d] * qp[d] }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(validShape: x.shape, data: result)
    }

    /// R_i = Σ_j (α·x⁺_i/(Σ x⁺ + 1e-16) + β·x⁻_i/(Σ x⁻ − 1e-16))·R_j, sums over window j; a term with a zero
    /// coefficient is left out.
    private func alphaBetaRelevance(_ r: Tensor, _ x: Tensor, alpha: Double) throws -> Tensor {
        let beta = 1 - alpha
        let w = try pooling.windows(for: x.shape)
        var result = try Memory.zeros(x.count)
        var qPos = [Double](repeating: 0, count: w.channels)
        var qNeg = [Double](repeating: 0, count: w.channels)
        x.data.withPointer { xp in
            r.data.withPointer { rp in
                result.withMutablePointer { out in
                    qPos.withMutablePointer { qp in
                        qNeg.withMutablePointer { qn in
                            pooling.forEachWindow(w, batch: x.shape[0]) { base, o in
                                qp.update(repeating: 0, count: w.channels)
                                qn.update(repeating: 0, count: w.channels)
                                pooling.forEachPixel(w) { offset in
                                    let src = xp + base + offset
                                    for d in 0..<w.channels {
                                        let v = src[d]
                                        if v > 0 { qp[d] += v } else { qn[d] += v }
                                    }
                                }
                                for d in 0..<w.channels {
                                    qp[d] = alpha == 0 ? 0 : alpha * rp[o + d] / (qp[d] + 1e-16)
                                    qn[d] = beta == 0 ? 0 : beta * rp[o + d] / (qn[d] - 1e-16)
                                }
                                pooling.forEachPixel(w) { offset in
                                    let src = xp + base + offset, dst = out + base + offset
                                    for d in 0..<w.channels {
                                        let v = src[d]
                                        dst[d] += v > 0 ? v * qp[d] : v * qn[d]
                                    }
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
