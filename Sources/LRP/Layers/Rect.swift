/// Rectification, max(0, x). Relevance passes through unchanged.
public struct Rect: Layer {
    /// The layer (it has no parameters).
    public init() {}
    public var header: String { "Rect" }
    public func outputShape(for shape: [Int]) throws -> [Int] { shape }
    public func forward(_ x: Tensor) throws -> Tensor { try x.map { Swift.max(0, $0) } }
    /// LRP rules pass relevance through; the gradient family takes the gradient (DeconvNet and guided
    /// backpropagation change it here, as their definitions do).
    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return r
    }

    /// plain: R·[y > 0]; DeconvNet: max(0, R); guided: R·[y > 0]·[R > 0].
    public func gradient(_ r: Tensor, input x: Tensor, output y: Tensor, mode: GradientMode) throws -> Tensor {
        guard r.count == y.count else { throw LRPError.shape("gradient of \(r.count) values for an output of \(y.count)") }
        let dx = try Tensor.uninitialized(y.shape)
        let (g, yp, out) = (r.pointer, y.pointer, dx.mutablePointer)
        switch mode {
        case .plain: for i in 0..<y.count { out[i] = yp[i] != 0 ? g[i] : 0 }
        case .deconvnet: for i in 0..<y.count { out[i] = Swift.max(g[i], 0) }
        case .guided: for i in 0..<y.count { out[i] = yp[i] != 0 && g[i] > 0 ? g[i] : 0 }
        }
        return dx
    }

    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        let dx = try Tensor.uninitialized(y.shape)
        let (g, yp, out) = (dy.pointer, y.pointer, dx.mutablePointer)
        for i in 0..<y.count { out[i] = yp[i] != 0 ? g[i] : 0 }
        return (dx, [])
    }
}
