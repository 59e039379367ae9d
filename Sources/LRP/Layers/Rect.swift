/// Rectification, max(0, x). Relevance passes through unchanged.
public struct Rect: Layer {
    /// The layer (it has no parameters).
    public init() {}
    public var header: String { "Rect" }
    public func outputShape(for shape: [Int]) throws -> [Int] { shape }
    public func forward(_ x: Tensor) throws -> Tensor { try x.map { Swift.max(0, $0) } }
    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor { r }

    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        let dx = try Tensor.uninitialized(y.shape)
        let (g, yp, out) = (dy.pointer, y.pointer, dx.mutablePointer)
        for i in 0..<y.count { out[i] = yp[i] != 0 ? g[i] : 0 }
        return (dx, [])
    }
}
