/// Rectification, max(0, x). Relevance passes through unchanged.
public struct Rect: Layer {
    /// The layer (it has no parameters).
    public init() {}
    public var header: String { "Rect" }
    public func outputShape(for shape: [Int]) throws -> [Int] { shape }
    public func forward(_ x: Tensor) throws -> Tensor { try x.map { Swift.max(0, $0) } }
    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor { r }
}
