import Glibc

/// The window arithmetic shared by the pooling layers: a pool of ph×pw with stride sh×sw and a placement
/// (padding, rounding) over each channel of an N×H×W×D image, output N×Hout×Wout×D.
public struct Pooling: Sendable {
    /// The pool window (ph, pw).
    public let pool: (height: Int, width: Int)
    /// The stride (sh, sw).
    public let stride: (height: Int, width: Int)
    /// Padding and rounding.
    public let placement: WindowPlacement

    /// Checks pool and stride sizes (≥ 1).
    init(pool: (Int, Int), stride: (Int, Int), placement: WindowPlacement = .valid, layer: String) throws {
        guard pool.0 >= 1, pool.1 >= 1, stride.0 >= 1, stride.1 >= 1 else {
            throw LRPError.argument("\(layer) needs pool and stride sizes ≥ 1, got \(pool.0) \(pool.1) \(stride.0) \(stride.1)")
        }
        self.pool = (pool.0, pool.1)
        self.stride = (stride.0, stride.1)
        self.placement = placement
    }

    /// The "ph pw sh sw" part of the header line, with placement options.
    var parameters: String {
        (["\(pool.height) \(pool.width) \(stride.height) \(stride.width)"] + placement.options).joined(separator: " ")
    }

    /// Window size ph·pw.
    var size: Int { pool.height * pool.width }

    /// The windows for an input shape, with shape errors that name the mismatch.
    func windows(for shape: [Int]) throws -> Windows {
        try expectRank(shape, 4, "N×H×W×D (rank 4)")
        let g = try WindowGeometry(height: shape[1], width: shape[2], channels: shape[3],
                                   window: (pool.height, pool.width), stride: (stride.height, stride.width), placement: placement)
        return Windows(geometry: g, batch: shape[0])
    }

    /// The output shape N×Hout×Wout×D.
    func outputShape(for shape: [Int]) throws -> [Int] {
        let w = try windows(for: shape)
        return [shape[0], w.geometry.outputHeight, w.geometry.outputWidth, shape[3]]
    }

    // MARK: Kernels shared by sum-like pools (SumPool, AvgPool)

    /// Y_j = scale_j · (sum of window j's input pixels).
    func sumForward(_ x: Tensor, scale: (Windows, Int) -> Double) throws -> Tensor {
        let w = try windows(for: x.shape)
        let out = try Tensor.zeros(try outputShape(for: x.shape), x.precision)
        func run<T: Real>(_: T.Type) {
            let (xp, op, d) = (x.pointer(T.self), out.mutablePointer(T.self), w.channels)
            w.forEachPart { windows in
                for window in windows {
                    let o = op + window * d
                    w.forEachPixel(window) { p in
                        let src = xp + p
                        for c in 0..<d { o[c] += src[c] }
                    }
                    let factor = T(scale(w, window))
                    for c in 0..<d { o[c] *= factor }
                }
            }
        }
        x.precision.select(run(Double.self), run(Float.self))
        return out
    }

    /// dx_i = Σ_j scale_j · dy_j over the windows j that contain pixel i.
    func sumBackward(_ dy: Tensor, input x: Tensor, scale: (Windows, Int) -> Double) throws -> Tensor {
        let w = try windows(for: x.shape)
        guard dy.count == w.count * w.channels else {
            throw LRPError.shape("gradient of \(dy.count) values for a pool of \(w.count * w.channels) outputs")
        }
        let dx = try Tensor.zeros(x.shape, x.precision)
        let dy = try dy.converted(to: x.precision)
        func run<T: Real>(_: T.Type) {
            let (g, out, d) = (dy.pointer(T.self), dx.mutablePointer(T.self), w.channels)
            w.forEachPart { windows in
                for window in windows {
                    let o = window * d, factor = T(scale(w, window))
                    w.forEachPixel(window) { p in
                        let dst = out + p
                        for c in 0..<d { dst[c] += g[o + c] * factor }
                    }
                }
            }
        }
        withExtendedLifetime(dy) { x.precision.select(run(Double.self), run(Float.self)) }
        return dx
    }

    /// The relevance of a sum-like pool (y_j = scale_j·s_j, s_j the plain sum of window j's inputs) by `rule`
    /// (`RuleTerms` on pools): the toolbox's rules read the pool as the plain sum — simple/epsilon
    /// R_i = Σ_j x_i·R_j/(s_j + ε·sign(s_j)) (ε = 1e-12 for simple), alphabeta with x⁺ and x⁻, ww and flat
    /// R_j/(ph·pw) to each pixel of the window (shares that fall on padding are dropped); the other rules read
    /// it as the affine map it is, with weights scale_j, so zennit's Norm stabilizes y_j:
    /// R_i = Σ_j x_i·R_j/(s_j + (ε/scale_j)·sign(s_j)).
    func sumRelevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule, layer: String,
                      scale: @escaping (Windows, Int) -> Double) throws -> Tensor {
        if rule == .pass { throw LRPError.argument("the pass rule is for element-wise and reshaping layers; \(layer) needs an LRP rule") }
        let terms = try RuleTerms.make(rule, input: x, channels: x.shape.last ?? 1, on: .pool)
        return try termsRelevance(r, input: x, output: y, terms: terms, scale: terms.readsPoolsAsSums ? { _, _ in 1 } : scale)
    }

    /// The rules of `RuleTerms` on a sum-like pool, an affine map whose weights are scale_j on window j's inputs
    /// (the same values `SparseAffine` gives connection by connection): a term's modified weight is one number
    /// per window and its denominator a window sum of the modified inputs, so each half costs one pool forward
    /// and one spread back, channels innermost.
    func termsRelevance(_ r: Tensor, input x: Tensor, output y: Tensor, terms rule: RuleTerms,
                        scale: (Windows, Int) -> Double) throws -> Tensor {
        let w = try windows(for: x.shape)
        let d = w.channels
        guard r.count == w.count * d, y.count == r.count else {
            throw LRPError.shape("relevance of \(r.count) values for a pool of \(w.count * d) outputs")
        }
        let result = try Tensor.zeros(x.shape, x.precision)
        let kept = rule.halvesUsed(by: x)
        guard !kept.isEmpty, !rule.terms.isEmpty else { return result }
        let (r, y) = (try r.converted(to: x.precision), try y.converted(to: x.precision))
        withExtendedLifetime((r, y)) {
            x.precision.select(termsKernel(r, x, y, into: result, rule, kept, w, scale, Double.self),
                               termsKernel(r, x, y, into: result, rule, kept, w, scale, Float.self))
        }
        return result
    }

    /// The body of `termsRelevance` in the precision `T` (tensors of that precision, halves not empty).
    private func termsKernel<T: Real>(_ r: Tensor, _ x: Tensor, _ y: Tensor, into result: Tensor, _ rule: RuleTerms,
                                      _ kept: [(offset: Int, element: RuleTerms.Half)], _ w: Windows,
                                      _ scale: (Windows, Int) -> Double, _: T.Type) {
        let d = w.channels
        let (xp, rp, yp, out) = (x.pointer(T.self), r.pointer(T.self), y.pointer(T.self), result.mutablePointer(T.self))
        let halves = kept.map(\.element), offsets = kept.map(\.offset), terms = rule.terms
        let (h, t) = (halves.count, terms.count)
        let biases = terms.map { T($0.bias(0)) }, coefficients = terms.map(\.coefficient)
        let stabilizers = terms.map(\.stabilizer), masks = terms.map(\.mask)
        let windowSize = T(size)
        // Every denominator is computed (window sums are cheap): the toolbox's rules read the plain sums, not
        // the output, so `complement` does not apply.
        // Each half as (kind, source): 0 x⁺, 1 x⁻, 2 x, 3 a tensor read as is, 4 ones over the whole window;
        // the tensors stay alive below.
        let tensors = halves.compactMap { half -> Tensor? in if case .tensor(let t) = half { return t } else { return nil } }
        var kinds: [Int] = [], sources: [UnsafePointer<T>] = []
        for half in halves {
            switch half {
            case .positive: kinds.append(0); sources.append(xp)
            case .negative: kinds.append(1); sources.append(xp)
            case .input: kinds.append(2); sources.append(xp)
            case .tensor(let tensor): kinds.append(3); sources.append(tensor.pointer(T.self))
            case .receptiveField: kinds.append(4); sources.append(xp)
            }
        }
        let (kind0, source0) = (kinds[0], sources[0])
        withExtendedLifetime(tensors) {
            w.forEachPart { windows in
                let scratch = Workspace()
                let sums = scratch.buffer(0, h * d, T.self), back = scratch.buffer(1, h * d, T.self)
                let weights = scratch.buffer(2, t * h, T.self), shares = scratch.buffer(3, t * d, T.self)
                var lastWeight = Double.nan
                for window in windows {
                    let o = window * d, weight = scale(w, window)
                    if weight != lastWeight {  // the modified weights change only with the window's scale
                        for k in 0..<t { for m in 0..<h { weights[k * h + m] = T(terms[k].weight(weight, offsets[m])) } }
                        lastWeight = weight
                    }
                    for m in 0..<h { (sums + m * d).update(repeating: kinds[m] == 4 ? windowSize : 0, count: d) }
                    if h == 1 {
                        // One half (the toolbox's rules, LRP-ε): no per-pixel look-ups of the halves.
                        switch kind0 {
                        case 0: w.forEachPixel(window) { p in let src = source0 + p; for c in 0..<d { sums[c] += Swift.max(src[c], 0) } }
                        case 1: w.forEachPixel(window) { p in let src = source0 + p; for c in 0..<d { sums[c] += Swift.min(src[c], 0) } }
                        case 4: break
                        default: w.forEachPixel(window) { p in let src = source0 + p; for c in 0..<d { sums[c] += src[c] } }
                        }
                    } else {
                        w.forEachPixel(window) { p in
                            for m in 0..<h {
                                let row = sums + m * d, src = sources[m] + p
                                switch kinds[m] {
                                case 0: for c in 0..<d { row[c] += Swift.max(src[c], 0) }
                                case 1: for c in 0..<d { row[c] += Swift.min(src[c], 0) }
                                case 4: break
                                default: for c in 0..<d { row[c] += src[c] }
                                }
                            }
                        }
                    }
                    if h == 1 && t == 1 {
                        // One half, one term: D = bias + w·sum, s and w·s in place of the sums (the same operations
                        // as below, without their copies).
                        let (w0, b0) = (weights[0], biases[0])
                        if !(w0 == 1 && b0 == 0) { for c in 0..<d { sums[c] = b0 + w0 * sums[c] } }
                        RuleTerms.shares(sums, r: rp + o, z: yp + o, count: d, coefficient: coefficients[0],
                                         stabilizer: stabilizers[0], mask: masks[0])
                        if w0 != 1 { for c in 0..<d { sums[c] = 0 + w0 * sums[c] } }
                        back.update(from: sums, count: d)
                    } else {
                        // Per term, channels innermost: the denominators, then R's shares in place of them.
                        for k in 0..<t {
                            let share = shares + k * d, (bias, coefficient) = (biases[k], coefficients[k])
                            let (stabilizer, mask) = (stabilizers[k], masks[k])
                            for c in 0..<d { share[c] = bias }
                            for m in 0..<h {
                                let wkm = weights[k * h + m], row = sums + m * d
                                for c in 0..<d { share[c] += wkm * row[c] }
                            }
                            RuleTerms.shares(share, r: rp + o, z: yp + o, count: d, coefficient: coefficient, stabilizer: stabilizer, mask: mask)
                        }
                        for m in 0..<h {
                            let row = back + m * d
                            for c in 0..<d { row[c] = 0 }
                            for k in 0..<t {
                                let wkm = weights[k * h + m], share = shares + k * d
                                for c in 0..<d { row[c] += wkm * share[c] }
                            }
                        }
                    }
                    if h == 1 {
                        switch kind0 {
                        case 0: w.forEachPixel(window) { p in let (src, dst) = (source0 + p, out + p); for c in 0..<d { dst[c] += Swift.max(src[c], 0) * back[c] } }
                        case 1: w.forEachPixel(window) { p in let (src, dst) = (source0 + p, out + p); for c in 0..<d { dst[c] += Swift.min(src[c], 0) * back[c] } }
                        case 4: w.forEachPixel(window) { p in let dst = out + p; for c in 0..<d { dst[c] += back[c] } }
                        default: w.forEachPixel(window) { p in let (src, dst) = (source0 + p, out + p); for c in 0..<d { dst[c] += src[c] * back[c] } }
                        }
                    } else {
                        w.forEachPixel(window) { p in
                            let dst = out + p
                            for m in 0..<h {
                                let row = back + m * d, src = sources[m] + p
                                switch kinds[m] {
                                case 0: for c in 0..<d { dst[c] += Swift.max(src[c], 0) * row[c] }
                                case 1: for c in 0..<d { dst[c] += Swift.min(src[c], 0) * row[c] }
                                case 4: for c in 0..<d { dst[c] += row[c] }
                                default: for c in 0..<d { dst[c] += src[c] * row[c] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The windows of a pool over one batch: window `i` (numbered like the output pixels n·Hout·Wout + oh·Wout
/// + ow) has its D outputs at `i·D`; `forEachPixel(i)` visits the offsets of its input pixels that lie
/// inside the input.
struct Windows {
    let geometry: WindowGeometry
    let batch: Int
    /// Offsets of a window's pixels relative to its first one, row by row (for windows inside the input).
    let pixelOffsets: [Int]
    /// True when windows reach into padding: pixels are then clipped to the input.
    let clipped: Bool

    init(geometry: WindowGeometry, batch: Int) {
        self.geometry = geometry
        self.batch = batch
        var offsets: [Int] = []
        for kh in 0..<geometry.windowHeight {
            for kw in 0..<geometry.windowWidth { offsets.append(kh * geometry.inputRowStride + kw * geometry.channels) }
        }
        pixelOffsets = offsets
        clipped = geometry.reachesOutside
    }

    /// Number of windows, N·Hout·Wout.
    var count: Int { batch * geometry.outputHeight * geometry.outputWidth }
    /// Channels D.
    var channels: Int { geometry.channels }

    /// (n, oh, ow) of window `i`.
    @inline(__always)
    func index(_ i: Int) -> (Int, Int, Int) {
        let g = geometry
        let perSample = g.outputHeight * g.outputWidth
        let n = i / perSample, rest = i - n * perSample
        let oh = rest / g.outputWidth
        return (n, oh, rest - oh * g.outputWidth)
    }

    /// Calls `body` with the input offset of each pixel of window `i` that lies inside the input.
    @inline(__always)
    func forEachPixel(_ i: Int, _ body: (Int) -> Void) {
        let g = geometry
        let (n, oh, ow) = index(i)
        let (row, column) = g.origin(oh, ow)
        if !clipped {
            let base = n * g.inputSampleSize + row * g.inputRowStride + column * g.channels
            for offset in pixelOffsets { body(base + offset) }
            return
        }
        let columns = g.insideColumns(column)
        for kh in g.insideRows(row) {
            let rowBase = n * g.inputSampleSize + (row + kh) * g.inputRowStride
            for kw in columns { body(rowBase + (column + kw) * g.channels) }
        }
    }

    /// The number of window `i`'s pixels inside the input.
    func insideCount(_ i: Int) -> Int {
        let (_, oh, ow) = index(i)
        let (row, column) = geometry.origin(oh, ow)
        return geometry.insideRows(row).count * geometry.insideColumns(column).count
    }

    /// Caffe's divisor for window `i`: the window clipped to the padded input.
    func paddedCount(_ i: Int) -> Int {
        let g = geometry
        let (_, oh, ow) = index(i)
        let (row, column) = g.origin(oh, ow)
        let rows = Swift.min(row + g.windowHeight, g.inputHeight + g.padBottom) - row
        let columns = Swift.min(column + g.windowWidth, g.inputWidth + g.padRight) - column
        return Swift.max(rows, 0) * Swift.max(columns, 0)
    }

    /// Calls `body` with ranges of window indices, whole samples per range, in parallel (samples occupy
    /// disjoint input and output memory, so no two calls write the same element).
    func forEachPart(_ body: (Range<Int>) -> Void) {
        let perSample = geometry.outputHeight * geometry.outputWidth
        let grain = Swift.max(1, Parallel.elementGrain / Swift.max(1, perSample * geometry.channels * pixelOffsets.count))
        Parallel.forEachPart(batch, grain: grain) { samples in
            body((samples.lowerBound * perSample)..<(samples.upperBound * perSample))
        }
    }
}
