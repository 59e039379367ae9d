/// Average pooling (Keras' AveragePooling2D, Caffe's AVE pooling): Y = (sum of the window's inputs) / divisor.
///
/// Relevance is the SumPool relevance (the scale cancels in every rule): it goes to the window's inputs
/// in proportion to their contributions; what would land on padding is dropped.
public struct AvgPool: PoolingLayer {
    /// What the window sum is divided by.
    public enum Divisor: String, Sendable {
        /// ph·pw (Keras 'valid', where windows never reach padding).
        case window
        /// The number of the window's pixels inside the input (Keras 'same').
        case inside
        /// The window clipped to the padded input (Caffe AVE).
        case padded
    }

    public static let name = "AvgPool"
    public let pooling: Pooling
    /// The divisor convention.
    public let divisor: Divisor

    /// An average pool with window `pool`, `stride`, placement and divisor convention.
    public init(pool: (Int, Int), stride: (Int, Int), placement: WindowPlacement = .valid, divisor: Divisor = .window) throws {
        pooling = try Pooling(pool: pool, stride: stride, placement: placement, layer: "AvgPool")
        self.divisor = divisor
    }

    public var header: String {
        "AvgPool \(pooling.parameters)" + (divisor == .window ? "" : " divisor=\(divisor.rawValue)")
    }

    private func scale(_ w: Windows, _ i: Int) -> Double {
        switch divisor {
        case .window: return 1 / Double(pooling.size)
        case .inside: return 1 / Double(Swift.max(w.insideCount(i), 1))
        case .padded: return 1 / Double(Swift.max(w.paddedCount(i), 1))
        }
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try pooling.sumForward(x, scale: scale)
    }

    /// dy/divisor spread over each window's inputs.
    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        (try pooling.sumBackward(dy, input: x, scale: scale), [])
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return try pooling.sumRelevance(r, input: x, output: y, rule: rule, layer: header, scale: scale)
    }
}
