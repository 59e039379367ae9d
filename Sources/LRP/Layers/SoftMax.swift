/// The softmax over the features of N×D input: Y = exp(X) / Σ exp(X) per row (computed with the row's
/// maximum subtracted, which leaves the result unchanged and cannot overflow). Relevance passes through.
public struct SoftMax: Layer {
    /// The layer (it has no parameters).
    public init() {}
    public var header: String { "SoftMax" }

    public func outputShape(for shape: [Int]) throws -> [Int] {
        try expectRank(shape, 2, "N×D (rank 2)")
        return shape
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        let d = x.shape[1]
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let out = try Tensor.uninitialized(x.shape, T.self)
            let (xp, p) = (x.pointer(T.self), out.mutablePointer(T.self))
            for n in 0..<x.shape[0] {
                let source = xp + n * d, row = p + n * d
                var largest = -T.infinity
                for i in 0..<d { largest = Swift.max(largest, source[i]) }
                if !largest.isFinite { largest = 0 }
                var total: T = 0
                for i in 0..<d { row[i] = T.exp(source[i] - largest); total += row[i] }
                for i in 0..<d { row[i] /= total }
            }
            return out
        }
        return try x.precision.select(run(Double.self), run(Float.self))
    }

    /// LRP rules pass relevance through (the toolbox's convention); the gradient family takes the gradient.
    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return r
    }

    /// The softmax's own Jacobian (not the toolbox's training shortcut): dx = y⊙(r − Σ_k y_k·r_k) per row.
    public func gradient(_ r: Tensor, input x: Tensor, output y: Tensor, mode: GradientMode) throws -> Tensor {
        guard r.count == y.count, y.rank == 2 else { throw LRPError.shape("gradient of \(r.count) values for an output of \(y.count)") }
        let d = y.shape[1]
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let r = try r.converted(to: T.precision)
            let dx = try Tensor.uninitialized(y.shape, T.self)
            let (g, yp, out) = (r.pointer(T.self), y.pointer(T.self), dx.mutablePointer(T.self))
            for n in 0..<y.shape[0] {
                var dot: T = 0
                for i in 0..<d { dot += yp[n * d + i] * g[n * d + i] }
                for i in 0..<d { out[n * d + i] = yp[n * d + i] * (g[n * d + i] - dot) }
            }
            return withExtendedLifetime(r) { dx }
        }
        return try y.precision.select(run(Double.self), run(Float.self))
    }

    /// The toolbox trains with the l1 loss on the softmax output and passes the gradient through.
    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        (try dy.reshaped(x.shape), [])
    }
}
