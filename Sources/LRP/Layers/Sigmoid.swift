/// The logistic function 1/(1 + e^−x). Relevance passes through unchanged.
public struct Sigmoid: Layer {
    /// The layer (it has no parameters).
    public init() {}
    public var header: String { "Sigmoid" }
    public func outputShape(for shape: [Int]) throws -> [Int] { shape }
    public func forward(_ x: Tensor) throws -> Tensor {
        func run<T: Real>(_: T.Type) throws -> Tensor { try x.map { (v: T) in 1 / (1 + T.exp(-v)) } }
        return try x.precision.select(run(Double.self), run(Float.self))
    }
    /// LRP rules pass relevance through; the gradient family takes the gradient.
    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return r
    }

    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        guard dy.count == y.count else { throw LRPError.shape("gradient of \(dy.count) values for an output of \(y.count)") }
        func run<T: Real>(_: T.Type) throws -> Tensor { try y.elementwise(dy) { (y: T, g: T) in g * y * (1 - y) } }
        return (try y.precision.select(run(Double.self), run(Float.self)), [])
    }
}
