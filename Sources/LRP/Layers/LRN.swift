/// Caffe's local response normalization across channels (channels last here):
/// y_i = x_i · (k + α/n · Σ_{j ∈ window(i)} x_j²)^(−β), the window n channels wide centred on i (clipped).
/// Relevance passes through unchanged, as for other element-wise layers.
public struct LRN: Layer {
    /// n (odd), α, β, k.
    public let size: Int, alpha: Double, beta: Double, k: Double

    /// An LRN layer (n odd and ≥ 1; α, β, k finite).
    public init(size: Int, alpha: Double, beta: Double, k: Double) throws {
        guard size >= 1, size % 2 == 1, alpha.isFinite, beta.isFinite, k.isFinite else {
            throw LRPError.argument("LRN needs an odd local size ≥ 1 and finite α, β, k, got \(size) \(alpha) \(beta) \(k)")
        }
        (self.size, self.alpha, self.beta, self.k) = (size, alpha, beta, k)
    }

    public var header: String { "LRN \(size) \(alpha) \(beta) \(k)" }

    public func outputShape(for shape: [Int]) throws -> [Int] {
        guard shape.count >= 2 else { throw LRPError.shape("expects input N×…×C, got \(Shape.describe(shape))") }
        return shape
    }

    /// The denominators' bases (k + α/n Σ x²) for every element.
    private func scales<T: Real>(_ x: Tensor, _: T.Type) throws -> Tensor {
        let c = x.shape[x.rank - 1], half = (size - 1) / 2
        let out = try Tensor.uninitialized(x.shape, T.self)
        let (xp, sp) = (x.pointer(T.self), out.mutablePointer(T.self))
        let (k, factor) = (T(k), T(alpha / Double(size)))
        for base in stride(from: 0, to: x.count, by: c) {
            for i in 0..<c {
                var total: T = 0
                for j in Swift.max(0, i - half)...Swift.min(c - 1, i + half) { total += xp[base + j] * xp[base + j] }
                sp[base + i] = k + factor * total
            }
        }
        return out
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let s = try scales(x, T.self)
            let out = try Tensor.uninitialized(x.shape, T.self)
            let (xp, sp, op, power) = (x.pointer(T.self), s.pointer(T.self), out.mutablePointer(T.self), T(-beta))
            for i in 0..<x.count { op[i] = xp[i] * T.pow(sp[i], power) }
            return out
        }
        return try x.precision.select(run(Double.self), run(Float.self))
    }

    /// LRP rules pass relevance through; the gradient family takes the gradient.
    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return r
    }

    /// dx_i = dy_i·s_i^(−β) − (2αβ/n)·x_i·Σ_{j ∈ window(i)} dy_j·y_j/s_j.
    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        guard dy.count == x.count, y.count == x.count else { throw LRPError.shape("gradient of \(dy.count) values for an output of \(x.count)") }
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let dy = try dy.converted(to: T.precision)
            let s = try scales(x, T.self)
            let c = x.shape[x.rank - 1], half = (size - 1) / 2
            let dx = try Tensor.uninitialized(x.shape, T.self)
            let (g, xp, yp, sp, out) = (dy.pointer(T.self), x.pointer(T.self), y.pointer(T.self), s.pointer(T.self), dx.mutablePointer(T.self))
            let (factor, power) = (T(2 * alpha * beta / Double(size)), T(-beta))
            withExtendedLifetime(dy) {
                for base in stride(from: 0, to: x.count, by: c) {
                    for i in 0..<c {
                        var total: T = 0
                        for j in Swift.max(0, i - half)...Swift.min(c - 1, i + half) {
                            total += g[base + j] * yp[base + j] / sp[base + j]
                        }
                        out[base + i] = g[base + i] * T.pow(sp[base + i], power) - factor * xp[base + i] * total
                    }
                }
            }
            return dx
        }
        return (try x.precision.select(run(Double.self), run(Float.self)), [])
    }
}
