/// Max pooling: Y = max of the window (the toolbox's `MaxPool(pool=(ph, pw), stride=(sh, sw))`).
///
/// Relevance: for simple, epsilon and alphabeta all of R_j goes to the window's maximal input(s), split
/// equally among ties; ww and flat spread it uniformly over the window.
public struct MaxPool: PoolingLayer {
    public static let name = "MaxPool"
    public let pooling: Pooling

    /// A max pool with window `pool` (ph, pw), `stride` (sh, sw) and placement (padding counts as −∞).
    public init(pool: (Int, Int), stride: (Int, Int), placement: WindowPlacement = .valid) throws {
        pooling = try Pooling(pool: pool, stride: stride, placement: placement, layer: "MaxPool")
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let w = try pooling.windows(for: x.shape)
        let out = try Tensor.uninitialized(try outputShape(for: x.shape), x.precision)
        func run<T: Real>(_: T.Type) {
            let (xp, op, d) = (x.pointer(T.self), out.mutablePointer(T.self), w.channels)
            w.forEachPart { windows in
                for window in windows {
                    let o = op + window * d
                    o.update(repeating: -T.infinity, count: d)
                    w.forEachPixel(window) { p in
                        let src = xp + p
                        for c in 0..<d where src[c] > o[c] { o[c] = src[c] }
                    }
                }
            }
        }
        x.precision.select(run(Double.self), run(Float.self))
        return out
    }

    /// DY to the window's maximal input(s): every tied maximum receives the full DY.
    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        (try toMaxima(dy, x, y, ties: .every), [])
    }

    /// The gradient the gradient family of rules propagates: DY to the window's first maximal input in row-major
    /// order (a subgradient, as PyTorch and TensorFlow route it; `backward` keeps the toolbox's every-tie form).
    /// Ties are common after a Rect, and DeconvNet, which ignores the Rect's mask, sees them.
    public func gradient(_ r: Tensor, input x: Tensor, output y: Tensor, mode: GradientMode) throws -> Tensor {
        try toMaxima(r, x, y, ties: .first)
    }

    /// Rules that look at the input values send R_j to the window's maximum (ties split equally); rules that do
    /// not (ww, flat, zennit's Flat and WSquare, unified with θ1 = 0) spread it over the window.
    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        if rule == .pass { throw passRefused() }
        guard rule.ignoresInput else { return try toMaxima(r, x, y, ties: .split) }
        // Uniform over the window: the toolbox's flat on the window sum.
        return try pooling.sumRelevance(r, input: x, output: y, rule: .flat, layer: header) { _, _ in 1 }
    }

    /// How a value of the output reaches tied maxima of its window.
    private enum Ties {
        /// Each tied maximum gets all of it (the toolbox's backward).
        case every
        /// The first maximum in row-major order gets it (a subgradient).
        case first
        /// The tied maxima share it equally (relevance is conserved).
        case split
    }

    /// Sends each value of `g` (output-shaped) to the inputs equal to its window's maximum y_j, per `ties`.
    private func toMaxima(_ g: Tensor, _ x: Tensor, _ y: Tensor, ties: Ties) throws -> Tensor {
        let w = try pooling.windows(for: x.shape)
        guard y.count == w.count * w.channels, g.count == y.count else {
            throw LRPError.shape("\(Shape.describe(g.shape)) values for the output and stored output \(Shape.describe(y.shape)) do not match input \(Shape.describe(x.shape))")
        }
        let result = try Tensor.zeros(x.shape, x.precision)
        let (g, y) = (try g.converted(to: x.precision), try y.converted(to: x.precision))
        func run<T: Real>(_: T.Type) {
            let (xp, yp, gp, out, d) = (x.pointer(T.self), y.pointer(T.self), g.pointer(T.self), result.mutablePointer(T.self), w.channels)
            w.forEachPart { windows in
            let scratch = Workspace()
            let share = scratch.buffer(0, d, T.self)
            for window in windows {
                let o = window * d
                if ties == .split {
                    share.update(repeating: 0, count: d)
                    w.forEachPixel(window) { p in
                        let src = xp + p
                        for c in 0..<d where src[c] == yp[o + c] { share[c] += 1 }
                    }
                    for c in 0..<d { share[c] = share[c] > 0 ? gp[o + c] / share[c] : 0 }
                } else {
                    share.update(from: gp + o, count: d)
                }
                w.forEachPixel(window) { p in
                    let src = xp + p, dst = out + p
                    for c in 0..<d where src[c] == yp[o + c] {
                        dst[c] += share[c]
                        if ties == .first { share[c] = 0 }
                    }
                }
            }
            }
        }
        withExtendedLifetime((g, y)) { x.precision.select(run(Double.self), run(Float.self)) }
        return result
    }
}
