/// Zero rows and columns around each N×H×W×C image (Keras' ZeroPadding2D): top, bottom, left, right.
/// Relevance and gradients are cropped back: what lands on the padding is dropped.
public struct ZeroPadding: Layer {
    /// Rows above and below, columns left and right.
    public let top: Int, bottom: Int, left: Int, right: Int

    /// A padding layer (all sizes ≥ 0).
    public init(top: Int, bottom: Int, left: Int, right: Int) throws {
        guard [top, bottom, left, right].allSatisfy({ $0 >= 0 && $0 <= 1 << 30 }) else {
            throw LRPError.argument("Pad sizes must be between 0 and 2^30, got \(top) \(bottom) \(left) \(right)")
        }
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
    }

    public var header: String { "Pad \(top) \(bottom) \(left) \(right)" }

    public func outputShape(for shape: [Int]) throws -> [Int] {
        try expectRank(shape, 4, "N×H×W×C (rank 4)")
        return [shape[0], try Shape.sum(shape[1], top, bottom), try Shape.sum(shape[2], left, right), shape[3]]
    }

    /// Copies between the unpadded (small) and padded (large) layouts; `padding` true writes small into large.
    private func copy<T: Real>(_ small: UnsafePointer<T>, _ smallShape: [Int], into large: UnsafeMutablePointer<T>) {
        let (n, h, w, c) = (smallShape[0], smallShape[1], smallShape[2], smallShape[3])
        let wide = w + left + right, tall = h + top + bottom
        for s in 0..<n {
            for row in 0..<h {
                let dst = large + ((s * tall + row + top) * wide + left) * c
                dst.update(from: small + ((s * h + row) * w) * c, count: w * c)
            }
        }
    }

    private func crop<T: Real>(_ large: UnsafePointer<T>, to smallShape: [Int], into small: UnsafeMutablePointer<T>) {
        let (n, h, w, c) = (smallShape[0], smallShape[1], smallShape[2], smallShape[3])
        let wide = w + left + right, tall = h + top + bottom
        for s in 0..<n {
            for row in 0..<h {
                (small + ((s * h + row) * w) * c).update(from: large + ((s * tall + row + top) * wide + left) * c, count: w * c)
            }
        }
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let out = try Tensor.zeros(try outputShape(for: x.shape), x.precision)
        func run<T: Real>(_: T.Type) { copy(x.pointer(T.self), x.shape, into: out.mutablePointer(T.self)) }
        x.precision.select(run(Double.self), run(Float.self))
        return out
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        let r = try r.converted(to: x.precision)
        let out = try Tensor.uninitialized(x.shape, x.precision)
        func run<T: Real>(_: T.Type) { crop(r.pointer(T.self), to: x.shape, into: out.mutablePointer(T.self)) }
        withExtendedLifetime(r) { x.precision.select(run(Double.self), run(Float.self)) }
        return out
    }

    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        (try relevance(dy, input: x, output: y, rule: .simple), [])
    }
}
