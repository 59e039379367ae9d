/// The computation shared by Linear and Convolution: z = patches(x)·W + b, with W a K×M matrix (row-major),
/// and the engine that evaluates every LRP rule (`RuleTerms`) on it as matrix products through BLAS.
///
/// No intermediate of size (patches × K × M) is formed: each rule is a product of the patch matrix with a
/// modified weight matrix (forward) and of a scaled relevance with its transpose (backward, then col2im),
/// taken over chunks of patches so that the extra memory stays bounded by `chunkBudget` values per row width.
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
    /// The layer's modified weight matrices, kept between calls.
    let modified: ModifiedWeights

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
    /// `parallel: false` runs one part (for sums over the whole batch). `byPatches: true` splits the patches
    /// of a convolution instead, so that one sample keeps every core busy: for loops that write only their
    /// own output rows (the forward pass), never col2im.
    private func forEachChunk(width: Int, parallel: Bool = true, byPatches: Bool = false, _ body: (Range<Int>, Workspace) -> Void) {
        let size = chunkRows(width: width)
        let perSample = geometry.patchesPerSample
        if byPatches, parallel, case .windows = geometry.kind {
            let (total, overflow) = geometry.batch.multipliedReportingOverflow(by: perSample)
            if !overflow {
                Parallel.forEachPart(total, grain: size) { part in
                    let workspace = Workspace()
                    for start in stride(from: part.lowerBound, to: part.upperBound, by: size) {
                        body(start..<Swift.min(part.upperBound, start + size), workspace)
                    }
                }
                return
            }
        }
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
    func patches<T: Real>(_ x: UnsafePointer<T>, _ rows: Range<Int>, _ space: UnsafeMutablePointer<T>) -> UnsafePointer<T> {
        if geometry.patchesAreInput { return x + rows.lowerBound * geometry.patchSize }
        geometry.gather(x, rows: rows, into: space)
        return UnsafePointer(space)
    }

    /// oneDNN's primitives when this is a float32 convolution that gains from them, for the forward product
    /// alone or also for the backward-data one (`backward`); else nil: im2col and GEMM, as in float64.
    ///
    /// Measured on LeNet-5's and VGG's layers (README, "Speed"): below about 16 M multiply-adds per call, or
    /// 16 output pixels per sample, oneDNN's fixed costs (reorders, threads) outweigh its faster kernels; its
    /// backward-data kernels lose to GEMM + col2im below 16 input channels (VGG's first layer: 3).
    func oneDNN(backward: Bool) -> OneDNNConvolution? {
        guard weights.precision == .float32, case .windows(let w) = geometry.kind else { return nil }
        let work = Double(geometry.patchCount) * Double(geometry.patchSize) * Double(outputs)
        guard work >= Self.oneDNNWork, geometry.patchesPerSample >= 16, !backward || w.channels >= 16 else { return nil }
        return OneDNNConvolution.primitives(w, batch: geometry.batch, filters: outputs)
    }

    /// Multiply-adds per call from which oneDNN pays.
    static let oneDNNWork = 16e6

    // MARK: Forward

    /// The forward pass: z = patches(x)·W + b, shaped `outputShape`, in the weights' precision.
    func forward(_ x: Tensor, outputShape: [Int]) throws -> Tensor {
        let x = try x.converted(to: weights.precision)
        return try weights.precision.select(forward(x, outputShape, Double.self), forward(x, outputShape, Float.self))
    }

    private func forward<T: Real>(_ x: Tensor, _ outputShape: [Int], _: T.Type) throws -> Tensor {
        let k = geometry.patchSize, m = outputs
        let out = try Tensor.uninitialized(outputShape, T.self)
        if T.self == Float.self, let conv = oneDNN(backward: false) {
            try conv.forward(x.pointer(Float.self), weights: weights.pointer(Float.self), bias: bias.pointer(Float.self),
                             into: out.mutablePointer(Float.self))
            return out
        }
        let (xp, op, wp, bp) = (x.pointer(T.self), out.mutablePointer(T.self), weights.pointer(T.self), bias.pointer(T.self))
        forEachChunk(width: Swift.max(k, m), byPatches: true) { rows, workspace in
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
        if T.self == Float.self, let conv = oneDNN(backward: true) {
            let dx = try Tensor.uninitialized(shape, .float32)
            try conv.backwardData(r.pointer(Float.self), weights: weights.pointer(Float.self), into: dx.mutablePointer(Float.self),
                                  accumulate: false)
            return dx
        }
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
    /// The halves of the input sit side by side in one stacked patch matrix [h_0 | h_1 | …]; term t reads half h
    /// through the modified matrix M_th (K×M, one per `WeightMap`, kept in `modified` until W changes; W itself
    /// for the identity). Per chunk of patches the denominators are D_t = Σ_h h·M_th + b_t and the relevance
    /// back_h = Σ_t s_t·M_thᵀ, each a product of the whole chunk with a whole K×M matrix. An x⁺ or x⁻ half that
    /// is zero everywhere is left out (after a Rect only x⁺ remains). With several halves the relevance is
    /// weighted by them per patch before col2im, so no input-sized temporaries are needed; with one, once after
    /// it (h(x_i) is the same in every patch).
    ///
    /// Two cases cost less: a rule on the layer itself (simple, epsilon, norm) takes its denominators from the
    /// stored output (`RuleTerms.complement`), so it is one product per chunk; a rule that reads only the
    /// weights (the toolbox's ww and flat) has the same denominators for every patch, computed once.
    private func stackedRule(_ r: Tensor, _ x: Tensor, _ z: Tensor, _ rule: RuleTerms) throws -> Tensor {
        let p = weights.precision
        let (r, x, z) = (try r.converted(to: p), try x.converted(to: p), try z.converted(to: p))
        return try p.select(stackedRule(r, x, z, rule, Double.self), stackedRule(r, x, z, rule, Float.self))
    }

    private func stackedRule<T: Real>(_ r: Tensor, _ x: Tensor, _ z: Tensor, _ rule: RuleTerms, _: T.Type) throws -> Tensor {
        let result = try Tensor.zeros(x.shape, T.precision)
        let halves = rule.halvesUsed(by: x)
        guard !rule.terms.isEmpty, !halves.isEmpty else { return result }
        let maps = rule.terms.map { term in halves.map { term.map($0.offset) } }
        let needed = Set(maps.joined().filter { !$0.isIdentity })
        let matrices = try modified.matrices(needed, of: weights) { try modifiedMatrix($0, T.self) }
        // The tensors stay alive in `matrices` for the whole pass.
        let wp = weights.pointer(T.self)
        let pointers = maps.map { row in row.map { map in matrices[map]?.pointer(T.self) ?? wp } }
        let ones = halves.contains { if case .receptiveField = $0.element { return true } else { return false } }
        if T.self == Float.self, !ones, let conv = oneDNN(backward: true) {
            let floats = pointers.map { row in row.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) } }
            try withExtendedLifetime(matrices) {
                try oneDNNProducts(conv, r, x, z, into: result, rule: rule, halves: halves, matrices: floats)
            }
        } else {
            withExtendedLifetime(matrices) {
                stackedProducts(r, x, z, into: result, rule: rule, halves: halves, matrices: pointers)
            }
        }
        if halves.count == 1 { weightByHalf(halves[0].element, x, result, T.self) }
        return result
    }

    /// M = map(W), K×M; zero between channel groups (where W is zero too, but a map need not keep zeros).
    private func modifiedMatrix<T: Real>(_ map: WeightMap, _: T.Type) throws -> Tensor {
        let k = geometry.patchSize, m = outputs
        let out = try Tensor.uninitialized(weights.shape, T.self)
        let (wp, op, d, g) = (weights.pointer(T.self), out.mutablePointer(T.self), channelCount, groups)
        Parallel.forEachPart(k, grain: Swift.max(1, Parallel.elementGrain / Swift.max(1, m))) { rows in
            for row in rows {
                let (src, dst) = (wp + row &* m, op + row &* m)
                if g == 1 {
                    for j in 0..<m { dst[j] = map.apply(src[j]) }
                } else {
                    let rowGroup = (row % d) / (d / g)
                    for j in 0..<m { dst[j] = j / (m / g) == rowGroup ? map.apply(src[j]) : 0 }
                }
            }
        }
        return out
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

    /// For one stacked input row [h_0 | h_1 | …] (K values per half), the positions where each half is non-zero;
    /// nil when that is most of them (the full products are then faster).
    private func usedRows<T: Real>(_ a: UnsafePointer<T>, halves: Int) -> [[Int]]? {
        let k = geometry.patchSize
        var used: [[Int]] = []
        var total = 0
        for h in 0..<halves {
            var list: [Int] = []
            list.reserveCapacity(k)
            for i in 0..<k where a[h &* k + i] != 0 { list.append(i) }
            total += list.count
            used.append(list)
        }
        return total * 4 > halves * k * 3 ? nil : used
    }

    /// A stacked rule's relevance added into `result`: `matrices[t][h]` is M_th (K×M row-major) for term t and
    /// the h-th half used.
    private func stackedProducts<T: Real>(_ r: Tensor, _ x: Tensor, _ zOut: Tensor, into result: Tensor, rule: RuleTerms,
                                          halves: [(offset: Int, element: RuleTerms.Half)], matrices: [[UnsafePointer<T>]]) {
        let k = geometry.patchSize, m = outputs
        let terms = rule.terms
        let cols = terms.count * m, stackedK = halves.count * k
        let bp = bias.pointer(T.self)
        var stackedBias = [T](repeating: 0, count: cols)
        for (t, term) in terms.enumerated() {
            for j in 0..<m { stackedBias[t * m + j] = term.biasMap.apply(bp[j]) }
        }
        // A complement term (the last) is not multiplied out: its denominators follow from the others and z.
        let complement = rule.complement.flatMap { $0.term == terms.count - 1 ? $0 : nil }
        let productTerms = complement == nil ? terms.count : terms.count - 1
        let productCols = productTerms * m
        // Halves that are ones over the receptive field give every patch the same denominators: the column sums
        // of the term's matrices plus the bias.
        let constant = halves.allSatisfy { if case .receptiveField = $0.element { return true } else { return false } }
        var constantDenominators = stackedBias
        if constant {
            for t in 0..<productTerms {
                for h in halves.indices {
                    let mp = matrices[t][h]
                    for row in 0..<k { for j in 0..<m { constantDenominators[t * m + j] += mp[row * m + j] } }
                }
            }
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
        let masks = terms.map(\.mask), stabilizers = terms.map(\.stabilizer), coefficients = terms.map(\.coefficient)
        stackedBias.withUnsafeBufferPointer { sb in
        constantDenominators.withUnsafeBufferPointer { cb in
            guard let biasPointer = sb.baseAddress, let constantPointer = cb.baseAddress else { return }
            forEachChunk(width: Swift.max(stackedK, cols)) { rows, workspace in
                let n = rows.count
                // The stacked input [h_0 | h_1 | …] of the chunk, where the denominators or the weighting need it.
                // (For one dense sample also when it is x itself, which costs nothing: it tells which rows take part.)
                let oneDense = n == 1 && geometry.patchesAreInput
                let a: UnsafePointer<T>? = needsInput || (oneDense && direct) ? stackedInput(xp, rows, halves, direct: direct, workspace) : nil
                // One sample of a dense layer: only the inputs where a half is non-zero take part (x⁺ and x⁻ of
                // one sample share no position; after a Rect about half of them are zero), so the products read
                // those rows of the matrices alone.
                let used = oneDense ? a.flatMap { usedRows($0, halves: halves.count) } : nil
                // The denominators D_t of the terms multiplied out, bias included.
                let zc = workspace.buffer(2, n * cols, T.self)
                if constant {
                    for p in 0..<n { (zc + p &* cols).update(from: constantPointer, count: productCols) }
                } else if productCols > 0, let a, let used {
                    zc.update(from: biasPointer, count: productCols)
                    for t in 0..<productTerms {
                        for h in halves.indices {
                            let d = zc + t &* m
                            for i in used[h] {
                                let (v, row) = (a[h &* k + i], matrices[t][h] + i &* m)
                                for j in 0..<m { d[j] += v * row[j] }
                            }
                        }
                    }
                } else if productCols > 0, let a {
                    for p in 0..<n { (zc + p &* cols).update(from: biasPointer, count: productCols) }
                    for t in 0..<productTerms {
                        for h in halves.indices {
                            BLAS.gemm(m: n, n: m, k: k, a: a + h &* k, lda: stackedK, b: matrices[t][h], ldb: m,
                                      beta: 1, c: zc + t &* m, ldc: cols)
                        }
                    }
                }
                // s = coefficient·mask(z)·R / stabilize(D), in place of D.
                for p in 0..<n {
                    let row = zc + p &* cols, patch = rows.lowerBound + p
                    let rRow = rp + patch &* m, zRow = zp + patch &* m
                    if let (last, factor) = complement {
                        // D_last = factor·z − Σ_others D_t.
                        let lastRow = row + last &* m
                        for c in 0..<m { lastRow[c] = T(factor) * zRow[c] }
                        for t in 0..<last {
                            let tRow = row + t &* m
                            for c in 0..<m { lastRow[c] -= tRow[c] }
                        }
                    }
                    for t in 0..<terms.count {
                        RuleTerms.shares(row + t &* m, r: rRow, z: zRow, count: m, coefficient: coefficients[t],
                                         stabilizer: stabilizers[t], mask: masks[t])
                    }
                }
                // back_h = Σ_t s_t·M_thᵀ: per patch and half, Σ_t Σ_j weight_t(w_ij, h)·s_tj.
                if let used {
                    // One dense sample: back_h only where h(x) ≠ 0 (elsewhere it is weighted by 0).
                    let back = workspace.buffer(3, stackedK, T.self)
                    if !single { back.update(repeating: 0, count: stackedK) }
                    for h in halves.indices {
                        for i in used[h] {
                            var total: T = 0
                            for t in 0..<terms.count { total += BLAS.dot(m, matrices[t][h] + i &* m, zc + t &* m) }
                            back[h &* k + i] = total
                        }
                    }
                    let dst = out + rows.lowerBound &* k
                    if single {
                        for i in used[0] { dst[i] += back[i] }
                    } else if let a {
                        for h in halves.indices { for i in used[h] { dst[i] += a[h &* k + i] * back[h &* k + i] } }
                    }
                    return
                }
                if single && geometry.patchesAreInput {
                    // Rows of the input: the products land in the result (weighted by the half afterwards).
                    for t in 0..<terms.count {
                        BLAS.gemm(transposeB: true, m: n, n: k, k: m, a: zc + t &* m, lda: cols, b: matrices[t][0], ldb: m,
                                  beta: 1, c: out + rows.lowerBound &* k, ldc: k)
                    }
                    return
                }
                let back = workspace.buffer(3, n * stackedK, T.self)
                for h in halves.indices {
                    for t in 0..<terms.count {
                        BLAS.gemm(transposeB: true, m: n, n: k, k: m, a: zc + t &* m, lda: cols, b: matrices[t][h], ldb: m,
                                  beta: t == 0 ? 0 : 1, c: back + h &* k, ldc: stackedK)
                    }
                }
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
