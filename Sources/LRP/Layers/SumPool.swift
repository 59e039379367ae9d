import Glibc

/// Sum pooling, scaled to keep the output well conditioned: Y = (sum of the window) / sqrt(ph·pw)
/// (the toolbox's `SumPool(pool=(ph, pw), stride=(sh, sw))`).
///
/// Relevance, with s_j the plain window sum: simple/epsilon R_i = Σ_j x_i·R_j/(s_j + ε·sign(s_j)) (ε = 1e-12
/// for simple); alphabeta with x⁺ and x⁻ in place of z⁺_ij and z⁻_ij; ww and flat spread R_j uniformly.
public struct SumPool: PoolingLayer {
    public static let name = "SumPool"
    public let pooling: Pooling

    /// A sum pool with window `pool` (ph, pw) and `stride` (sh, sw).
    public init(pool: (Int, Int), stride: (Int, Int)) throws {
        pooling = try Pooling(pool: pool, stride: stride, layer: "SumPool")
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let w = try pooling.windows(for: x.shape)
        let out = try Tensor.zeros(try outputShape(for: x.shape))
        let (xp, op, d) = (x.pointer, out.mutablePointer, w.channels)
        let normalizer = 1 / sqrt(Double(pooling.size))
        w.forEachPart { windows in
            for window in windows {
                let base = w.base(window), o = op + window * d
                for offset in w.pixelOffsets {
                    let src = xp + base + offset
                    for c in 0..<d { o[c] += src[c] }
                }
                for c in 0..<d { o[c] *= normalizer }
            }
        }
        return out
    }

    /// DY/sqrt(ph·pw) spread over each window (overlapping windows add up).
    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        let w = try pooling.windows(for: x.shape)
        let dx = try Tensor.zeros(x.shape)
        let (g, out, d) = (dy.pointer, dx.mutablePointer, w.channels)
        let normalizer = 1 / sqrt(Double(pooling.size))
        w.forEachPart { windows in
            for window in windows {
                let base = w.base(window), o = window * d
                for offset in w.pixelOffsets {
                    let dst = out + base + offset
                    for c in 0..<d { dst[c] += g[o + c] * normalizer }
                }
            }
        }
        return (dx, [])
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
        let result = try Tensor.zeros(x.shape)
        let (xp, rp, out, d) = (x.pointer, r.pointer, result.mutablePointer, w.channels)
        w.forEachPart { windows in
            let scratch = Workspace()
            let qp = scratch.buffer(0, d)
            for window in windows {
                let base = w.base(window), o = window * d
                qp.update(repeating: 0, count: d)
                for offset in w.pixelOffsets {
                    let src = xp + base + offset
                    for c in 0..<d { qp[c] += src[c] }
                }
                for c in 0..<d {
                    let s = qp[c]
                    qp[c] = rp[o + c] / (s + (s >= 0 ? eps : -eps))
                }
                for offset in w.pixelOffsets {
                    let src = xp + base + offset, dst = out + base + offset
                    for c in 0..<d { dst[c] += src[c] * qp[c] }
                }
            }
        }
        return result
    }

    /// R_i = Σ_j (α·x⁺_i/(Σ x⁺ + 1e-16) + β·x⁻_i/(Σ x⁻ − 1e-16))·R_j, sums over window j; a term with a zero
    /// coefficient is left out.
    private func alphaBetaRelevance(_ r: Tensor, _ x: Tensor, alpha: Double) throws -> Tensor {
        let beta = 1 - alpha
        let w = try pooling.windows(for: x.shape)
        let result = try Tensor.zeros(x.shape)
        let (xp, rp, out, d) = (x.pointer, r.pointer, result.mutablePointer, w.channels)
        w.forEachPart { windows in
            let scratch = Workspace()
            let qp = scratch.buffer(0, 2 * d), qn = qp + d
            for window in windows {
                let base = w.base(window), o = window * d
                qp.update(repeating: 0, count: 2 * d)
                for offset in w.pixelOffsets {
                    let src = xp + base + offset
                    for c in 0..<d {
                        let v = src[c]
                        qp[c] += Swift.max(v, 0)
                        qn[c] += Swift.min(v, 0)
                    }
                }
                for c in 0..<d {
                    qp[c] = alpha == 0 ? 0 : alpha * rp[o + c] / (qp[c] + 1e-16)
                    qn[c] = beta == 0 ? 0 : beta * rp[o + c] / (qn[c] - 1e-16)
                }
                for offset in w.pixelOffsets {
                    let src = xp + base + offset, dst = out + base + offset
                    for c in 0..<d {
                        let v = src[c]
                        dst[c] += v > 0 ? v * qp[c] : v * qn[c]
                    }
                }
            }
        }
        return result
    }
}
