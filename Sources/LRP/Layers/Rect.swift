/// Rectification, max(0, x). Relevance passes through unchanged.
public struct Rect: Layer {
    /// The layer (it has no parameters).
    public init() {}
    public var header: String { "Rect" }
    public func outputShape(for shape: [Int]) throws -> [Int] { shape }
    public func forward(_ x: Tensor) throws -> Tensor {
        func run<T: Real>(_: T.Type) throws -> Tensor { try x.map { (v: T) in Swift.max(0, v) } }
        return try x.precision.select(run(Double.self), run(Float.self))
    }
    /// LRP rules pass relevance through; the gradient family takes the gradient (DeconvNet and guided
    /// backpropagation change it here, as their definitions do).
    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return r
    }

    /// plain: R·[y > 0]; DeconvNet: max(0, R); guided: R·[y > 0]·[R > 0].
    public func gradient(_ r: Tensor, input x: Tensor, output y: Tensor, mode: GradientMode) throws -> Tensor {
        guard r.count == y.count else { throw LRPError.shape("gradient of \(r.count) values for an output of \(y.count)") }
        func run<T: Real>(_: T.Type) throws -> Tensor {
            switch mode {
            case .plain: return try y.elementwise(r) { (y: T, g: T) in y != 0 ? g : 0 }
            case .deconvnet: return try y.elementwise(r) { (_: T, g: T) in Swift.max(g, 0) }
            case .guided: return try y.elementwise(r) { (y: T, g: T) in y != 0 && g > 0 ? g : 0 }
            }
        }
        return try y.precision.select(run(Double.self), run(Float.self))
    }

    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        try (gradient(dy, input: x, output: y, mode: .plain), [])
    }
}
