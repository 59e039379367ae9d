/// Batch normalization at inference as a per-channel affine map over the last axis: y = x·scale + shift,
/// with scale = γ/sqrt(σ² + ε) and shift = β − μ·scale (Keras' BatchNormalization, Caffe's BatchNorm+Scale).
///
/// Every rule treats it as a Linear layer whose weight matrix is diagonal: channel c of the output has the
/// single input x_c with weight scale_c and bias shift_c (`RuleTerms` on `SparseAffine`). So simple/epsilon
/// give R_in = z/(y + ε·sign(y))·R with z = x·scale; alphabeta splits z and shift by sign; ww and flat pass R
/// on (ww: for non-zero weights); pass passes it unchanged.
/// Loaders usually merge it into a preceding Linear or Convolution instead (`merged(into:)`).
public struct BatchNorm: Layer {
    /// The per-channel factor, C values (shared storage; "W" in parameter order).
    public let scale: Tensor
    /// The per-channel offset, C values ("B").
    public let shift: Tensor

    /// A layer with the given factors and offsets (C values each).
    public init(scale: [Double], shift: [Double]) throws {
        guard !scale.isEmpty, scale.count == shift.count else {
            throw LRPError.shape("BatchNorm needs as many offsets as factors (≥ 1), got \(scale.count) and \(shift.count)")
        }
        try self.init(sharing: try Tensor(shape: [scale.count], data: scale), try Tensor(shape: [shift.count], data: shift))
    }

    /// A layer sharing the given factor and offset vectors (one precision).
    init(sharing scale: Tensor, _ shift: Tensor) throws {
        guard scale.rank == 1, shift.shape == scale.shape else {
            throw LRPError.shape("BatchNorm needs factor and offset vectors of one length, got \(Shape.describe(scale.shape)) and \(Shape.describe(shift.shape))")
        }
        self.scale = scale
        self.shift = shift
    }

    /// The layer for trained statistics: scale = γ/sqrt(σ² + ε), shift = β − μ·scale.
    public static func fromStatistics(gamma: [Double], beta: [Double], mean: [Double], variance: [Double],
                                      epsilon: Double) throws -> BatchNorm {
        let c = mean.count
        guard gamma.count == c, beta.count == c, variance.count == c, c >= 1 else {
            throw LRPError.shape("BatchNormalization needs γ, β, mean and variance of one length, got \(gamma.count), \(beta.count), \(mean.count), \(variance.count)")
        }
        guard epsilon.isFinite, epsilon >= 0, variance.allSatisfy({ $0 + epsilon > 0 }) else {
            throw LRPError.argument("BatchNormalization needs variance + ε > 0 for every channel")
        }
        let scale = (0..<c).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        return try BatchNorm(scale: scale, shift: (0..<c).map { beta[$0] - mean[$0] * scale[$0] })
    }

    /// Channels C.
    public var channels: Int { scale.count }

    public var header: String { "BatchNorm \(channels)" }

    public var parameters: [Tensor] { [scale, shift] }

    public func replacingParameters(_ tensors: [Tensor]) throws -> any Layer {
        guard tensors.count == 2 else { throw LRPError.shape("\(header) takes two parameters") }
        return try BatchNorm(sharing: tensors[0], tensors[1])
    }

    public func outputShape(for shape: [Int]) throws -> [Int] {
        guard shape.count >= 2, shape.last == channels else {
            throw LRPError.shape("expects input N×…×\(channels) (channels last), got \(Shape.describe(shape))")
        }
        return shape
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let x = try x.converted(to: T.precision)
            let out = try Tensor.uninitialized(x.shape, T.self)
            let (xp, op, s, b, c) = (x.pointer(T.self), out.mutablePointer(T.self), scale.pointer(T.self), shift.pointer(T.self), channels)
            withExtendedLifetime(x) { for i in 0..<x.count { op[i] = xp[i] * s[i % c] + b[i % c] } }
            return out
        }
        return try scale.precision.select(run(Double.self), run(Float.self))
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        _ = try outputShape(for: x.shape)
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        if rule == .pass { return try r.reshaped(x.shape) }
        // The diagonal map: output i reads input i with weight scale_c and bias shift_c.
        let (s, b, c) = (scale.data, shift.data, channels)
        let terms = try RuleTerms.make(rule, input: x, channels: c, on: .affine)
        let sparse = SparseAffine(outputCount: x.count, connections: { j, visit in visit(j, s[j % c]) }, bias: { b[$0 % c] })
        return try sparse.relevance(try r.reshaped(x.shape), input: x, output: y, terms: terms)
    }

    /// dx = dy·scale; gradients of scale and shift summed over all positions.
    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        guard dy.count == x.count else { throw LRPError.shape("gradient of \(dy.count) values for an output of \(x.count)") }
        func run<T: Real>(_: T.Type) throws -> (input: Tensor, parameters: [Tensor]) {
            let (dy, x) = (try dy.converted(to: T.precision), try x.converted(to: T.precision))
            let dx = try Tensor.uninitialized(x.shape, T.self)
            let ds = try Tensor.zeros([channels], T.precision), db = try Tensor.zeros([channels], T.precision)
            let (g, xp, out, s, c) = (dy.pointer(T.self), x.pointer(T.self), dx.mutablePointer(T.self), scale.pointer(T.self), channels)
            let (dsp, dbp) = (ds.mutablePointer(T.self), db.mutablePointer(T.self))
            withExtendedLifetime((dy, x)) {
                for i in 0..<x.count {
                    out[i] = g[i] * s[i % c]
                    dsp[i % c] += g[i] * xp[i]
                    dbp[i % c] += g[i]
                }
            }
            return (dx, [ds, db])
        }
        return try scale.precision.select(run(Double.self), run(Float.self))
    }

    /// scale −= lr·dscale; shift −= lr·dshift (the toolbox has no convention for this layer).
    public func update(_ gradients: [Tensor], outputShape: [Int], learningRate: Double) throws {
        guard gradients.count == 2 else { throw LRPError.state("\(header) has no gradients: run backward first") }
        try subtract(gradients[0], scaledBy: learningRate, from: scale)
        try subtract(gradients[1], scaledBy: learningRate, from: shift)
    }

    /// The preceding Linear or Convolution with this normalization folded into its weights and bias:
    /// W'[·, c] = W[·, c]·scale_c, b'_c = b_c·scale_c + shift_c (canonization).
    public func merged(into layer: any Layer) throws -> any Layer {
        guard layer.parameters.count == 2, layer.parameters[1].count == channels else {
            throw LRPError.shape("cannot merge \(header) into \(layer.header)")
        }
        func run<T: Real>(_: T.Type) throws -> any Layer {
            let w = try layer.parameters[0].converted(to: T.precision).copy(), b = try layer.parameters[1].converted(to: T.precision).copy()
            let (wp, bp, s, t, c) = (w.mutablePointer(T.self), b.mutablePointer(T.self), scale.pointer(T.self), shift.pointer(T.self), channels)
            for i in 0..<w.count { wp[i] *= s[i % c] }
            for j in 0..<c { bp[j] = bp[j] * s[j] + t[j] }
            return try layer.replacingParameters([w, b])
        }
        return try scale.precision.select(run(Double.self), run(Float.self))
    }
}
