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

    private var normalizer: Double { 1 / sqrt(Double(pooling.size)) }

    public func forward(_ x: Tensor) throws -> Tensor {
        let factor = normalizer
        return try pooling.sumForward(x) { _, _ in factor }
    }

    /// DY/sqrt(ph·pw) spread over each window (overlapping windows add up).
    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        let factor = normalizer
        return (try pooling.sumBackward(dy, input: x) { _, _ in factor }, [])
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        let factor = normalizer
        return try pooling.sumRelevance(r, input: x, output: y, rule: rule, layer: header) { _, _ in factor }
    }
}
