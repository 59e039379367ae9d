/// What SumPool and MaxPool share: their window and stride, header line and output shape.
public protocol PoolingLayer: Layer {
    /// The layer's name in the text format ("SumPool", "MaxPool").
    static var name: String { get }
    /// The window and stride arithmetic.
    var pooling: Pooling { get }
}

extension PoolingLayer {
    /// (ph, pw).
    public var pool: (height: Int, width: Int) { pooling.pool }
    /// (sh, sw).
    public var stride: (height: Int, width: Int) { pooling.stride }

    public var header: String { "\(Self.name) \(pooling.parameters)" }

    public func outputShape(for shape: [Int]) throws -> [Int] { try pooling.outputShape(for: shape) }
}
