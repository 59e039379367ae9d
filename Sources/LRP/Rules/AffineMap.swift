/// The computation shared by Linear and Convolution: z = patches(x)·W + b, with W a K×M matrix (row-major),
/// and the toolbox's relevance rules for it written once as matrix products through BLAS.
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
    /// Convolutions split the batch into one contiguous range of samples per thread, each with its own
    /// workspace: samples occupy disjoint input memory, so col2im never writes the same element from two
    /// threads. Dense layers run as one part (BLAS spreads their products over the cores already).
    private func forEachChunk(width: Int, parallel: Bool = true, _ body: (Range<Int>, Workspace) -> Void) {
        let size = chunkRows(width: width)
        let perSample = geometry.patchesPerSample
        let grain: Int
        switch geometry.kind {
        case .dense: grain = Int.max
        case .windows: grain = parallel ? 1 : Int.max
        }
        func run() {
            Parallel.forEachPart(geometry.batch, grain: grain) { samples in
                let workspace = Workspace()
                let end = samples.upperBound * perSample
                for start in stride(from: samples.lowerBound * perSample, to: end, by: size) {
                    body(start..<Swift.min(end, start + size), workspace)
                }
            }
        }
        if Parallel.threads > 1, geometry.batch > 1, grain == 1 { BLAS.singleThreaded(run) } else { run() }
    }

    /// The patch rows `rows` of x: a pointer into x itself when patches are the input, else gathered
    /// (im2col) into `space`.
    private func patches(_ x: UnsafePointer<Double>, _ rows: Range<Int>, _ space: UnsafeMutablePointer<Double>) -> UnsafePointer<Double> {
        if geometry.patchesAreInput { return x + rows.lowerBound * geometry.patchSize }
        geometry.gather(x, rows: rows, into: space)
        return UnsafePointer(space)
    }

    // MARK: Forward

    /// The forward pass: z = patches(x)·W + b, shaped `outputShape`.
    func forward(_ x: Tensor, outputShape: [Int]) throws -> Tensor {
        let k = geometry.patchSize, m = outputs
        let out = try Tensor.uninitialized(outputShape)
        let (xp, op, wp, bp) = (x.pointer, out.mutablePointer, weights.pointer, bias.pointer)
        forEachChunk(width: Swift.max(k, m)) { rows, workspace in
            let destination = op + rows.lowerBound * m
            for row in 0..<rows.count { (destination + row * m).update(from: bp, count: m) }
            let a = patches(xp, rows, workspace.buffer(0, rows.count * k))
            BLAS.gemm(m: rows.count, n: m, k: k, a: a, lda: k, b: wp, ldb: m, beta: 1, c: destination, ldc: m)
        }
        return out
    }

    // MARK: Gradients

    /// The plain gradients of z = patches(x)·W + b for the output gradient dy: the input gradient
    /// patchesᵀ(dy·Wᵀ), dW = patches(x)ᵀ·dy (K×M) and dB = the column sums of dy (M).
    func gradients(_ dy: Tensor, input x: Tensor) throws -> (input: Tensor, weights: Tensor, bias: Tensor) {
        let k = geometry.patchSize, m = outputs
        let dx = try Tensor.zeros(x.shape)
        let dyp = dy.pointer
        transposedProduct(cols: m, weights.pointer, into: dx.mutablePointer) { rows, s in
            s.update(from: dyp + rows.lowerBound * m, count: rows.count * m)
        }
        let dw = try Tensor.zeros(weights.shape), db = try Tensor.zeros(bias.shape)
        let (xp, dwp, dbp) = (x.pointer, dw.mutablePointer, db.mutablePointer)
        // dW accumulates over all chunks, so this loop runs in one part.
        forEachChunk(width: Swift.max(k, m), parallel: false) { rows, workspace in
            let a = patches(xp, rows, workspace.buffer(0, rows.count * k))
            let g = dyp + rows.lowerBound * m
            BLAS.gemm(transposeA: true, m: k, n: m, k: rows.count, a: a, lda: k, b: g, ldb: m, beta: 1, c: dwp, ldc: m)
            for row in 0..<rows.count { for j in 0..<m { dbp[j] += g[row * m + j] } }
        }
        return (dx, dw, db)
    }

    // MARK: Relevance

    /// The relevance of the input for the relevance `r` of the output z, by `rule`.
    func relevance(_ r: Tensor, input x: Tensor, output z: Tensor, rule: Rule) throws -> Tensor {
        switch rule {
        case .simple: return try epsilonRule(r, x, z, stabilizer: 1e-16)
        case .epsilon(let eps): return try epsilonRule(r, x, z, stabilizer: eps)
        case .alphabeta(let alpha): return try alphaBetaRule(r, x, alpha: alpha)
        case .ww: return try wSquareRule(r, x)
        case .flat: return try flatRule(r, x)
        }
    }

    /// result += patchesᵀ(s·Vᵀ) over all patches, with V a K×cols matrix and s given chunk-wise by
    /// `fill(rows, s)` (rows.count×cols).
    private func transposedProduct(
        cols: Int, _ vp: UnsafePointer<Double>, into result: UnsafeMutablePointer<Double>,
        fill: (Range<Int>, UnsafeMutablePointer<Double>) -> Void
    ) {
        let k = geometry.patchSize
        forEachChunk(width: Swift.max(k, cols)) { rows, workspace in
                let s = workspace.buffer(0, rows.count * cols)
                fill(rows, s)
                if geometry.patchesAreInput {
                    // Patches are disjoint rows of the input: the product lands in the result directly.
                    BLAS.gemm(transposeB: true, m: rows.count, n: k, k: cols, a: s, lda: cols, b: vp, ldb: cols,
                              beta: 1, c: result + rows.lowerBound * k, ldc: k)
                } else {
                    let t = workspace.buffer(1, rows.count * k)
                    BLAS.gemm(transposeB: true, m: rows.count, n: k, k: cols, a: s, lda: cols, b: vp, ldb: cols,
                              beta: 0, c: t, ldc: k)
                    geometry.scatterAdd(t, rows: rows, into: result)
                }
        }
    }

    /// simple and epsilon: R_i = x_i·Σ_j w_ij·R_j / (z_j + ε·sign(z_j)), with z the stored forward output.
    private func epsilonRule(_ r: Tensor, _ x: Tensor, _ z: Tensor, stabilizer eps: Double) throws -> Tensor {
        let result = try Tensor.zeros(x.shape)
        let m = outputs
        let (rp, zp, out, xp) = (r.pointer, z.pointer, result.mutablePointer, x.pointer)
        transposedProduct(cols: m, weights.pointer, into: out) { rows, s in
            let base = rows.lowerBound * m
            for i in 0..<(rows.count * m) {
                let zj = zp[base + i]
                s[i] = rp[base + i] / (zj + (zj >= 0 ? eps : -eps))
            }
        }
        Parallel.forEachPart(x.count, grain: Parallel.elementGrain) { part in
            for i in part { out[i] *= xp[i] }
        }
        return result
    }

    /// alphabeta: z⁺ = x⁺W⁺ + x⁻W⁻ + b⁺ and z⁻ = x⁺W⁻ + x⁻W⁺ + b⁻ (the sign is that of the product x_i·w_ij);
    /// s⁺ = α·R/(z⁺ + 1e-16), s⁻ = β·R/(z⁻ − 1e-16); R_in = x⁺⊙(W⁺s⁺ + W⁻s⁻) + x⁻⊙(W⁻s⁺ + W⁺s⁻).
    ///
    /// The active terms (α ≠ 0, β ≠ 0) are the column blocks of V⁺ = [W⁺ | W⁻] (what multiplies x⁺) and
    /// V⁻ = [W⁻ | W⁺] (what multiplies x⁻). When x has both signs, the patches are split into [x⁺ | x⁻]
    /// side by side and V is stacked as [V⁺; V⁻], so each chunk takes one product for z and one for the
    /// relevance; when x has one sign, only its half is used. The relevance is weighted by x⁺ and x⁻ per
    /// patch before col2im, so no input-sized temporaries are needed. Output units are taken in blocks whose
    /// part of V stays within `chunkBudget` values: each block's share of the relevance simply adds up.
    private func alphaBetaRule(_ r: Tensor, _ x: Tensor, alpha: Double) throws -> Tensor {
        let beta = 1 - alpha
        let k = geometry.patchSize, m = outputs
        var terms: [(coefficient: Double, sign: Double)] = []
        if alpha != 0 { terms.append((alpha, 1)) }
        if beta != 0 { terms.append((beta, -1)) }
        let hasPositive = x.contains { $0 > 0 }, hasNegative = x.contains { $0 < 0 }
        let result = try Tensor.zeros(x.shape)
        guard !terms.isEmpty, hasPositive || hasNegative else { return result }
        // Halves of the stacked input: x⁺ and/or x⁻.
        let halves: [Double] = (hasPositive ? [1] : []) + (hasNegative ? [-1] : [])
        let stackedK = halves.count * k
        let blockOutputs = Swift.max(1, Swift.min(m, chunkBudget / (stackedK * terms.count)))
        for first in stride(from: 0, to: m, by: blockOutputs) {
            let block = first..<Swift.min(m, first + blockOutputs)
            alphaBetaBlock(r, x, into: result, outputs: block, terms: terms, halves: halves)
        }
        return result
    }

    /// The share of output units `block` in the alphabeta relevance, added into `result`.
    private func alphaBetaBlock(_ r: Tensor, _ x: Tensor, into result: Tensor, outputs block: Range<Int>,
                                terms: [(coefficient: Double, sign: Double)], halves: [Double]) {
        let k = geometry.patchSize, m = outputs, mb = block.count
        let cols = terms.count * mb, stackedK = halves.count * k
        let (wp, bp) = (weights.pointer, bias.pointer)
        // V: stackedK × cols. For the x⁺ half, term + uses W⁺ and term − uses W⁻; the x⁻ half the other way.
        var v = [Double](repeating: 0, count: stackedK * cols)
        var stackedBias = [Double](repeating: 0, count: cols)
        var coefficient = [Double](repeating: 0, count: cols)
        var stabilizer = [Double](repeating: 0, count: cols)
        for (h, half) in halves.enumerated() {
            for row in 0..<k {
                for (t, term) in terms.enumerated() {
                    let keepPositive = half * term.sign > 0
                    for (c, j) in block.enumerated() {
                        let w = wp[row * m + j]
                        v[(h * k + row) * cols + t * mb + c] = keepPositive ? Swift.max(w, 0) : Swift.min(w, 0)
                    }
                }
            }
        }
        for (t, term) in terms.enumerated() {
            for (c, j) in block.enumerated() {
                stackedBias[t * mb + c] = term.sign > 0 ? Swift.max(bp[j], 0) : Swift.min(bp[j], 0)
                coefficient[t * mb + c] = term.coefficient
                stabilizer[t * mb + c] = term.sign * 1e-16
            }
        }

        let (xp, rp, out) = (x.pointer, r.pointer, result.mutablePointer)
        let both = halves.count == 2
        let firstOutput = block.lowerBound
        v.withUnsafeBufferPointer { vb in
            guard let vp = vb.baseAddress else { return }
            forEachChunk(width: Swift.max(stackedK, cols)) { rows, workspace in
                let n = rows.count
                let xc = patches(xp, rows, workspace.buffer(0, n * k))
                // The stacked input [x⁺ | x⁻] of the chunk (or x itself when it has one sign).
                let a: UnsafePointer<Double>
                if both {
                    let split = workspace.buffer(1, n * stackedK)
                    for p in 0..<n {
                        let src = xc + p * k, dst = split + p * stackedK
                        for i in 0..<k {
                            let value = src[i]
                            dst[i] = Swift.max(value, 0)
                            dst[k + i] = Swift.min(value, 0)
                        }
                    }
                    a = UnsafePointer(split)
                } else {
                    a = xc
                }
                let z = workspace.buffer(2, n * cols)
                BLAS.gemm(m: n, n: cols, k: stackedK, a: a, lda: stackedK, b: vp, ldb: cols, beta: 0, c: z, ldc: cols)
                // s = coefficient·R / (z + b + stabilizer), in place of z.
                for p in 0..<n {
                    let zRow = z + p * cols, rRow = rp + (rows.lowerBound + p) * m + firstOutput
                    for t in 0..<terms.count {
                        for c in 0..<mb {
                            let i = t * mb + c
                            zRow[i] = coefficient[i] * rRow[c] / (zRow[i] + stackedBias[i] + stabilizer[i])
                        }
                    }
                }
                // back = s·Vᵀ: per patch, [W⁺s⁺ + W⁻s⁻ | W⁻s⁺ + W⁺s⁻] (the halves present).
                let back = workspace.buffer(3, n * stackedK)
                BLAS.gemm(transposeB: true, m: n, n: stackedK, k: cols, a: z, lda: cols, b: vp, ldb: cols,
                          beta: 0, c: back, ldc: stackedK)
                // Weight by the inputs, x⁺⊙(first half) + x⁻⊙(second half), compacted to K values per row.
                for p in 0..<n {
                    let bRow = back + p * stackedK, xRow = xc + p * k, dst = back + p * k
                    if both {
                        for i in 0..<k {
                            let value = xRow[i]
                            dst[i] = value > 0 ? value * bRow[i] : value * bRow[k + i]
                        }
                    } else {
                        for i in 0..<k { dst[i] = bRow[i] * xRow[i] }
                    }
                }
                geometry.scatterAdd(back, rows: rows, into: out)
            }
        }
    }

    /// ww: R_i = Σ_j w_ij²/(Σ_i' w_i'j²)·R_j (no input factor). A column of zero weights passes nothing.
    private func wSquareRule(_ r: Tensor, _ x: Tensor) throws -> Tensor {
        let k = geometry.patchSize, m = outputs
        let wp = weights.pointer
        let squares = try Tensor.uninitialized([k, m])
        let sp = squares.mutablePointer
        for i in 0..<(k * m) { sp[i] = wp[i] * wp[i] }
        var columnSums = [Double](repeating: 0, count: m)
        for row in 0..<k { for j in 0..<m { columnSums[j] += sp[row * m + j] } }
        let inverse = columnSums.map { $0 == 0 ? 0 : 1 / $0 }
        let result = try Tensor.zeros(x.shape)
        let rp = r.pointer
        transposedProduct(cols: m, squares.pointer, into: result.mutablePointer) { rows, s in
            for (row, patch) in rows.enumerated() {
                for j in 0..<m { s[row * m + j] = rp[patch * m + j] * inverse[j] }
            }
        }
        return result
    }

    /// flat: R_i = Σ_j R_j / (number of inputs of j), j over the outputs connected to i (with channel groups,
    /// only those of i's group).
    private func flatRule(_ r: Tensor, _ x: Tensor) throws -> Tensor {
        let k = geometry.patchSize, m = outputs, g = groups
        let result = try Tensor.zeros(x.shape)
        let (rp, out) = (r.pointer, result.mutablePointer)
        forEachChunk(width: k) { rows, workspace in
            let t = workspace.buffer(0, rows.count * k)
            let totals = workspace.buffer(1, g)
            for (row, patch) in rows.enumerated() {
                totals.update(repeating: 0, count: g)
                for j in 0..<m { totals[j / (m / g)] += rp[patch * m + j] }
                let target = t + row * k
                if g == 1 {
                    target.update(repeating: totals[0] / Double(k), count: k)
                } else {
                    let perGroup = channelCount / g
                    for i in 0..<k { target[i] = totals[(i % channelCount) / perGroup] / Double(k / g) }
                }
            }
            geometry.scatterAdd(t, rows: rows, into: out)
        }
        return result
    }
}
