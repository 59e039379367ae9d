/// The computation shared by Linear and Convolution: z = patches(x)·W + b, with W a K×M matrix (row-major),
/// and the engine that evaluates every LRP rule (`RuleTerms`) on it as matrix products through BLAS.
///
/// No intermediate of size (patches × K × M) is formed: each rule is a product of the patch matrix with a
/// modified weight matrix (forward) and of a scaled relevance with its transpose (backward, then col2im),
/// taken over chunks of patches so that the extra memory stays bounded by `chunkBudget` values.
struct AffineMap {
    /// How the input is seen as patches.
    let geometry: PatchGeometry
    /// The weights, K×M row-major (K = patch size, M = outputs).
    let weights: Tensor
    /// The bias, M values.
    let bias: Tensor
    /// M.
    let outputs: Int
    /// Channel groups: with g > 1, patch value k (channel k mod D) connects only to the outputs of its group.
    let groups: Int

    /// Input channels D of a convolution's patches (the patch size for dense layers).
    private var channelCount: Int {
        switch geometry.kind {
        case .dense(let features): return features
        case .windows(let w): return w.channels
        }
    }

    /// Patches per chunk when rows are `width` values wide.
    private func chunkRows(width: Int) -> Int { Swift.max(1, chunkBudget / Swift.max(1, width)) }

    /// Runs `body(rows, workspace)` over all patches in chunks of rows for matrices up to `width` wide.
    ///
    /// The batch is split into one contiguous range of samples per thread, each with its own workspace:
    /// samples occupy disjoint input memory, so col2im never writes the same element from two threads.
    /// Dense layers take at least `denseGrain` samples per part, so each product stays large enough for BLAS.
    /// `parallel: false` runs one part (for sums over the whole batch).
    private func forEachChunk(width: Int, parallel: Bool = true, _ body: (Range<Int>, Workspace) -> Void) {
        let size = chunkRows(width: width)
        let perSample = geometry.patchesPerSample
        let grain: Int
        switch geometry.kind {
        case .dense: grain = parallel ? Self.denseGrain : Int.max
        case .windows: grain = parallel ? 1 : Int.max
        }
        Parallel.forEachPart(geometry.batch, grain: grain) { samples in
            let workspace = Workspace()
            let end = samples.upperBound * perSample
            for start in stride(from: samples.lowerBound * perSample, to: end, by: size) {
                body(start..<Swift.min(end, start + size), workspace)
            }
        }
    }

    /// The fewest samples per thread for dense layers.
    static let denseGrain = 16

    /// The patch rows `rows` of x: a pointer into x itself when patches are the input, else gathered
    /// (im2col) into `space`.
    private func patches<T: Real>(_ x: UnsafePointer<T>, _ rows: Range<Int>, _ space: UnsafeMutablePointer<T>) -> UnsafePointer<T> {
        if geometry.patchesAreInput { return x + rows.lowerBound * geometry.patchSize }
        geometry.gather(x, rows: rows, into: space)
        return UnsafePointer(space)
    }

    // MARK: Forward

    /// The forward pass: z = patches(x)·W + b, shaped `outputShape`, in the weights' precision.
    func forward(_ x: Tensor, outputShape: [Int]) throws -> Tensor {
        let x = try x.converted(to: weights.precision)
        return try weights.precision.select(forward(x, outputShape, Double.self), forward(x, outputShape, Float.self))
    }

    private func forward<T: Real>(_ x: Tensor, _ outputShape: [Int], _: T.Type) throws -> Tensor {
        let k = geometry.patchSize, m = outputs
        let out = try Tensor.uninitialized(outputShape, T.self)
        let (xp, op, wp, bp) = (x.pointer(T.self), out.mutablePointer(T.self), weights.pointer(T.self), bias.pointer(T.self))
        forEachChunk(width: Swift.max(k, m)) { rows, workspace in
            let destination = op + rows.lowerBound * m
            for row in 0..<rows.count { (destination + row * m).update(from: bp, count: m) }
            let a = patches(xp, rows, workspace.buffer(0, rows.count * k, T.self))
            BLAS.gemm(m: rows.count, n: m, k: k, a: a, lda: k, b: wp, ldb: m, beta: 1, c: destination, ldc: m)
        }
        return out
    }

    // MARK: Gradients

    /// The plain gradients of z = patches(x)·W + b for the output gradient dy: the input gradient
    /// patchesᵀ(dy·Wᵀ), dW = patches(x)ᵀ·dy (K×M) and dB = the column sums of dy (M).
    func gradients(_ dy: Tensor, input x: Tensor) throws -> (input: Tensor, weights: Tensor, bias: Tensor) {
        let (dy, x) = (try dy.converted(to: weights.precision), try x.converted(to: weights.precision))
        return try weights.precision.select(gradients(dy, x, Double.self), gradients(dy, x, Float.self))
    }

    private func gradients<T: Real>(_ dy: Tensor, _ x: Tensor, _: T.Type) throws -> (input: Tensor, weights: Tensor, bias: Tensor) {
        let k = geometry.patchSize, m = outputs
        let dx = try Tensor.zeros(x.shape, T.precision)
        let dyp = dy.pointer(T.self)
        transposedProduct(cols: m, weights.pointer(T.self), into: dx.mutablePointer(T.self)) { rows, s in
            s.update(from: dyp + rows.lowerBound * m, count: rows.count * m)
        }
        let dw = try Tensor.zeros(weights.shape, T.precision), db = try Tensor.zeros(bias.shape, T.precision)
        let (xp, dwp, dbp) = (x.pointer(T.self), dw.mutablePointer(T.self), db.mutablePointer(T.self))
        // dW accumulates over all chunks, so this loop runs in one part.
        forEachChunk(width: Swift.max(k, m), parallel: false) { rows, workspace in
            let a = patches(xp, rows, workspace.buffer(0, rows.count * k, T.self))
            let g = dyp + rows.lowerBound * m
            BLAS.gemm(transposeA: true, m: k, n: m, k: rows.count, a: a, lda: k, b: g, ldb: m, beta: 1, c: dwp, ldc: m)
            for row in 0..<rows.count { for j in 0..<m { dbp[j] += g[row * m + j] } }
        }
        return (dx, dw, db)
    }

    // MARK: Relevance

    /// The relevance of the input for the relevance `r` of the output z, by `rule`.
    func relevance(_ r: Tensor, input x: Tensor, output z: Tensor, rule: Rule) throws -> Tensor {
        if rule.isGradientFamily { return try inputGradient(r, x) }
        if rule == .pass { throw LRPError.argument("the pass rule is for element-wise layers; a layer with weights needs an LRP rule") }
        return try stackedRule(r, x, z, try RuleTerms.make(rule, input: x, channels: channelCount, on: .affine))
    }

    /// The plain input gradient patchesᵀ(r·Wᵀ) (no toolbox scaling, no weight gradients).
    func inputGradient(_ r: Tensor, _ x: Tensor) throws -> Tensor {
        let r = try r.converted(to: weights.precision)
        return try weights.precision.select(inputGradient(r, x.shape, Double.self), inputGradient(r, x.shape, Float.self))
    }

    private func inputGradient<T: Real>(_ r: Tensor, _ shape: [Int], _: T.Type) throws -> Tensor {
        let m = outputs
        let dx = try Tensor.zeros(shape, T.precision)
        let rp = r.pointer(T.self)
        transposedProduct(cols: m, weights.pointer(T.self), into: dx.mutablePointer(T.self)) { rows, s in
            s.update(from: rp + rows.lowerBound * m, count: rows.count * m)
        }
        return withExtendedLifetime(r) { dx }
    }

    /// result += patchesᵀ(s·Vᵀ) over all patches, with V a K×cols matrix and s given chunk-wise by
    /// `fill(rows, s)` (rows.count×cols).
    private func transposedProduct<T: Real>(
        cols: Int, _ vp: UnsafePointer<T>, into result: UnsafeMutablePointer<T>,
        fill: (Range<Int>, UnsafeMutablePointer<T>) -> Void
    ) {
        let k = geometry.patchSize
        forEachChunk(width: Swift.max(k, cols)) { rows, workspace in
                let s = workspace.buffer(0, rows.count * cols, T.self)
                fill(rows, s)
                if geometry.patchesAreInput {
                    // Patches are disjoint rows of the input: the product lands in the result directly.
                    BLAS.gemm(transposeB: true, m: rows.count, n: k, k: cols, a: s, lda: cols, b: vp, ldb: cols,
                              beta: 1, c: result + rows.lowerBound * k, ldc: k)
                } else {
                    let t = workspace.buffer(1, rows.count * k, T.self)
                    BLAS.gemm(transposeB: true, m: rows.count, n: k, k: cols, a: s, lda: cols, b: vp, ldb: cols,
                              beta: 0, c: t, ldc: k)
                    geometry.scatterAdd(t, rows: rows, into: result)
                }
        }
    }

    /// A rule given as modified layers (`RuleTerms`), for example alphabeta: z⁺ = x⁺W⁺ + x⁻W⁻ + b⁺ and
    /// z⁻ = x⁺W⁻ + x⁻W⁺ + b⁻, s⁺ = α·R/(z⁺ + 1e-16), s⁻ = β·R/(z⁻ − 1e-16), R_in = x⁺⊙(W⁺s⁺ + W⁻s⁻) + x⁻⊙(W⁻s⁺ + W⁺s⁻).
    ///
    /// The halves of the input sit side by side in one stacked patch matrix [h_0 | h_1 | …] and the terms'
    /// modified weights stack as V (rows: halves × K, columns: terms × outputs), so each chunk takes one
    /// product for all denominators and one for the relevance. An x⁺ or x⁻ half that is zero everywhere is
    /// left out (after a Rect only x⁺ remains). With several halves the relevance is weighted by them per patch
    /// before col2im, so no input-sized temporaries are needed; with one, once after it (h(x_i) is the same in
    /// every patch). Outputs are taken in blocks whose part of V stays within
    /// `chunkBudget` values; each block's share of the relevance simply adds up.
    ///
    /// Two cases cost less: a rule on the layer itself (simple, epsilon, norm) reads W as it is and takes its
    /// denominators from the stored output, so it is one product per chunk; a rule that reads only the weights
    /// (the toolbox's ww and flat) has the same denominators for every patch, computed once from V.
    private func stackedRule(_ r: Tensor, _ x: Tensor, _ z: Tensor, _ rule: RuleTerms) throws -> Tensor {
        let p = weights.precision
        let (r, x, z) = (try r.converted(to: p), try x.converted(to: p), try z.converted(to: p))
        return try p.select(stackedRule(r, x, z, rule, Double.self), stackedRule(r, x, z, rule, Float.self))
    }

    private func stackedRule<T: Real>(_ r: Tensor, _ x: Tensor, _ z: Tensor, _ rule: RuleTerms, _: T.Type) throws -> Tensor {
        let k = geometry.patchSize, m = outputs
        let result = try Tensor.zeros(x.shape, T.precision)
        let halves = rule.halvesUsed(by: x)
        guard !rule.terms.isEmpty, !halves.isEmpty else { return result }
        let stackedK = halves.count * k
        if halves.count == 1, rule.terms.count == 1, rule.terms[0].unmodified {
            stackedBlock(r, x, z, into: result, outputs: 0..<m, rule: rule, halves: halves, weights: nil as UnsafePointer<T>?)
            weightByHalf(halves[0].element, x, result, T.self)
            return result
        }
        let blockOutputs = Swift.max(1, Swift.min(m, chunkBudget / (stackedK * rule.terms.count)))
        for first in stride(from: 0, to: m, by: blockOutputs) {
            let block = first..<Swift.min(m, first + blockOutputs)
            let v = modifiedWeights(rule, halves: halves, outputs: block, T.self)
            v.withUnsafeBufferPointer { stackedBlock(r, x, z, into: result, outputs: block, rule: rule, halves: halves, weights: $0.baseAddress) }
        }
        if halves.count == 1 { weightByHalf(halves[0].element, x, result, T.self) }
        return result
    }

    /// V for output units `block`: (halves × K) rows, (terms × block) columns, the modified weights of every term
    /// for every half; zero between channel groups.
    private func modifiedWeights<T: Real>(_ rule: RuleTerms, halves: [(offset: Int, element: RuleTerms.Half)], outputs block: Range<Int>,
                                          _: T.Type) -> [T] {
        let k = geometry.patchSize, m = outputs, mb = block.count
        let cols = rule.terms.count * mb
        let (wp, d, g) = (weights.pointer(T.self), channelCount, groups)
        var v = [T](repeating: 0, count: halves.count * k * cols)
        for (h, half) in halves.enumerated() {
            for row in 0..<k {
                let rowGroup = g == 1 ? 0 : (row % d) / (d / g)
                for (t, term) in rule.terms.enumerated() {
                    for (c, j) in block.enumerated() where g == 1 || j / (m / g) == rowGroup {
                        v[(h * k + row) * cols + t * mb + c] = T(term.weight(Double(wp[row * m + j]), half.offset))
                    }
                }
            }
        }
        return v
    }

    /// The stacked input [h_0 | h_1 | …] of patch rows `rows` (a pointer into x itself when `direct`).
    private func stackedInput<T: Real>(_ xp: UnsafePointer<T>, _ rows: Range<Int>, _ halves: [(offset: Int, element: RuleTerms.Half)],
                              direct: Bool, _ workspace: Workspace) -> UnsafePointer<T> {
        let k = geometry.patchSize, n = rows.count, stackedK = halves.count * k
        let xc = patches(xp, rows, workspace.buffer(0, n * k, T.self))
        if direct { return xc }
        let stacked = workspace.buffer(1, n * stackedK, T.self)
        for (h, half) in halves.enumerated() {
            switch half.element {
            case .positive:
                for p in 0..<n { for i in 0..<k { stacked[p * stackedK + h * k + i] = Swift.max(xc[p * k + i], 0) } }
            case .negative:
                for p in 0..<n { for i in 0..<k { stacked[p * stackedK + h * k + i] = Swift.min(xc[p * k + i], 0) } }
            case .input:
                for p in 0..<n { (stacked + p * stackedK + h * k).update(from: xc + p * k, count: k) }
            case .receptiveField:
                for p in 0..<n { (stacked + p * stackedK + h * k).update(repeating: 1, count: k) }
            case .tensor(let t):
                let tc = patches(t.pointer(T.self), rows, workspace.buffer(4, n * k, T.self))
                for p in 0..<n { (stacked + p * stackedK + h * k).update(from: tc + p * k, count: k) }
            }
        }
        return UnsafePointer(stacked)
    }

    /// result ⊙= h(x) for a rule's one half (ones over the receptive field change nothing).
    private func weightByHalf<T: Real>(_ half: RuleTerms.Half, _ x: Tensor, _ result: Tensor, _: T.Type) {
        let (xp, out) = (x.pointer(T.self), result.mutablePointer(T.self))
        Parallel.forEachPart(x.count, grain: Parallel.elementGrain) { part in
            switch half {
            case .positive: for i in part { out[i] *= Swift.max(xp[i], 0) }
            case .negative: for i in part { out[i] *= Swift.min(xp[i], 0) }
            case .input: for i in part { out[i] *= xp[i] }
            case .tensor(let t): let tp = t.pointer(T.self); for i in part { out[i] *= tp[i] }
            case .receptiveField: break
            }
        }
    }

    /// The share of output units `block` in a stacked rule's relevance, added into `result`; `modified` is V
    /// (`modifiedWeights`), nil for a rule on the layer itself (V = W, all outputs).
    private func stackedBlock<T: Real>(_ r: Tensor, _ x: Tensor, _ zOut: Tensor, into result: Tensor, outputs block: Range<Int>,
                              rule: RuleTerms, halves: [(offset: Int, element: RuleTerms.Half)],
                              weights modified: UnsafePointer<T>?) {
        let k = geometry.patchSize, m = outputs, mb = block.count
        let terms = rule.terms
        let cols = terms.count * mb, stackedK = halves.count * k
        let vp = modified ?? weights.pointer(T.self)
        let bp = bias.pointer(T.self)
        var stackedBias = [T](repeating: 0, count: cols)
        for (t, term) in terms.enumerated() {
            for (c, j) in block.enumerated() { stackedBias[t * mb + c] = T(term.bias(Double(bp[j]))) }
        }
        // A complement term (the last) is not multiplied out: its denominators follow from the others and z.
        let complement = rule.complement.flatMap { $0.term == terms.count - 1 ? $0 : nil }
        let productCols = complement == nil ? cols : (terms.count - 1) * mb
        // Halves that are ones over the receptive field give every patch the same denominators: V's column
        // sums plus the bias.
        let constant = halves.allSatisfy { if case .receptiveField = $0.element { return true } else { return false } }
        var constantDenominators = stackedBias
        if constant {
            for row in 0..<stackedK { for c in 0..<productCols { constantDenominators[c] += vp[row * cols + c] } }
        }

        let (xp, rp, zp, out) = (x.pointer(T.self), r.pointer(T.self), zOut.pointer(T.self), result.mutablePointer(T.self))
        // One half that is x itself (or all of x: x⁺ without negatives, x⁻ without positives) needs no copy.
        let direct: Bool
        if halves.count == 1 {
            switch halves[0].element {
            case .positive, .negative, .input: direct = true
            case .tensor, .receptiveField: direct = false
            }
        } else {
            direct = false
        }
        // With one half, h(x_i) is the same in every patch that reads x_i: the relevance is weighted by it once,
        // after col2im (`weightByHalf`), and the input is gathered only where denominators are multiplied out.
        let single = halves.count == 1
        let needsInput = !single || (!constant && productCols > 0)
        let firstOutput = block.lowerBound
        let masks = terms.map(\.mask), stabilizers = terms.map(\.stabilizer), coefficients = terms.map(\.coefficient)
        stackedBias.withUnsafeBufferPointer { sb in
        constantDenominators.withUnsafeBufferPointer { cb in
            guard let biasPointer = sb.baseAddress, let constantPointer = cb.baseAddress else { return }
            forEachChunk(width: Swift.max(stackedK, cols)) { rows, workspace in
                let n = rows.count
                // The stacked input [h_0 | h_1 | …] of the chunk, where the denominators or the weighting need it.
                let a: UnsafePointer<T>? = needsInput ? stackedInput(xp, rows, halves, direct: direct, workspace) : nil
                // The denominators D_t of the terms multiplied out, bias included.
                let zc = workspace.buffer(2, n * cols, T.self)
                if constant {
                    for p in 0..<n { (zc + p &* cols).update(from: constantPointer, count: productCols) }
                } else if productCols > 0, let a {
                    BLAS.gemm(m: n, n: productCols, k: stackedK, a: a, lda: stackedK, b: vp, ldb: cols, beta: 0, c: zc, ldc: cols)
                    for p in 0..<n {
                        let row = zc + p &* cols
                        for c in 0..<productCols { row[c] += biasPointer[c] }
                    }
                }
                // s = coefficient·mask(z)·R / stabilize(D), in place of D.
                for p in 0..<n {
                    let row = zc + p &* cols, patch = rows.lowerBound + p
                    let rRow = rp + patch &* m + firstOutput, zRow = zp + patch &* m + firstOutput
                    if let (last, factor) = complement {
                        // D_last = factor·z − Σ_others D_t.
                        let lastRow = row + last &* mb
                        for c in 0..<mb { lastRow[c] = T(factor) * zRow[c] }
                        for t in 0..<last {
                            let tRow = row + t &* mb
                            for c in 0..<mb { lastRow[c] -= tRow[c] }
                        }
                    }
                    for t in 0..<terms.count {
                        let (mask, stabilizer, coefficient) = (masks[t], stabilizers[t], coefficients[t])
                        let tRow = row + t &* mb
                        RuleTerms.shares(tRow, r: rRow, z: zRow, count: mb, coefficient: coefficient, stabilizer: stabilizer, mask: mask)
                    }
                }
                // back = s·Vᵀ: per patch and half, Σ_t Σ_j weight_t(w_ij, h)·s_tj.
                if single && geometry.patchesAreInput {
                    // Rows of the input: the product lands in the result (weighted by the half afterwards).
                    BLAS.gemm(transposeB: true, m: n, n: k, k: cols, a: zc, lda: cols, b: vp, ldb: cols,
                              beta: 1, c: out + rows.lowerBound &* k, ldc: k)
                    return
                }
                let back = workspace.buffer(3, n * stackedK, T.self)
                BLAS.gemm(transposeB: true, m: n, n: stackedK, k: cols, a: zc, lda: cols, b: vp, ldb: cols,
                          beta: 0, c: back, ldc: stackedK)
                if !single, let a {
                    // Weight by the halves, Σ_h h(x)⊙back_h, compacted to K values per row.
                    // Halves outermost so the inner loops run over contiguous K values; dst only overwrites values
                    // of this row's first half (already read) or of earlier rows.
                    for p in 0..<n {
                        let bRow = back + p &* stackedK, aRow = a + p &* stackedK, dst = back + p &* k
                        for i in 0..<k { dst[i] = aRow[i] * bRow[i] }
                        for h in 1..<halves.count {
                            let ah = aRow + h &* k, bh = bRow + h &* k
                            for i in 0..<k { dst[i] += ah[i] * bh[i] }
                        }
                    }
                }
                geometry.scatterAdd(back, rows: rows, into: out)
            }
        }
        }
    }
}
