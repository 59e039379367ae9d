import Glibc

/// The logistic function 1/(1 + e^−x). Relevance passes through unchanged.
public struct Sigmoid: Layer {
    /// The layer (it has no parameters).
    public init() {}
    public var header: String { "Sigmoid" }
    public func outputShape(for shape: [Int]) throws -> [Int] { shape }
    public func forward(_ x: Tensor) throws -> Tensor { try x.map { 1 / (1 + exp(-$0)) } }
    /// LRP rules pass relevance through; the gradient family takes the gradient.
    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return r
    }

    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        let dx = try Tensor.uninitialized(y.shape)
        let (g, yp, out) = (dy.pointer, y.pointer, dx.mutablePointer)
        for i in 0..<y.count { out[i] = g[i] * yp[i] * (1 - yp[i]) }
        return (dx, [])
    }
}
