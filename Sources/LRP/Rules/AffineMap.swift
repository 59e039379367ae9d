/// The computation shared by Linear and Convolution: z = patches(x)·W + b, with W a K×M matrix (row-major),
/// and the toolbox's relevance rules for it written once as matrix products through BLAS.
///
/// No intermediate of size (patches × K × M) is formed: each rule is a product of the patch matrix with a
/// modified weight matrix (forward) and of a scaled relevance with its transpose (backward), taken over
/// chunks of patches so that the extra memory is bounded by `chunkBudget`.
struct AffineMap: Sendable {
    /// How the input is seen as patches.
    let geometry: PatchGeometry
    /// The weights, K×M row-major (K = patch size, M = outputs).
    let weights: [Double]
    /// The bias, M values.
    let bias: [Double]
    /// M.
    let outputs: Int

    /// Patches per chunk for matrices of `width` columns.
    private func chunkRows(width: Int) -> Int { Swift.max(1, chunkBudget / Swift.max(1, width)) }

    // MARK: Products

    /// out[0 ..< rows.count, :] = patches(x)[rows, :]·V + beta·out, with V a K×cols matrix.
    private func product(
        _ x: UnsafePointer<Double>, _ v: UnsafePointer<Double>, cols: Int, rows: Range<Int>,
        workspace: UnsafeMutablePointer<Double>, beta: Double, into out: UnsafeMutablePointer<Double>
    ) {
        let k = geometry.patchSize
        let a: UnsafePointer<Double>
        if geometry.patchesAreInput {
            a = x + rows.lowerBound * k
        } else {
            geometry.gather(x, rows: rows, into: workspace)
            a = UnsafePointer(workspace)
        }
        BLAS.gemm(m: rows.count, n: cols, k: k, a: a, lda: k, b: v, ldb: cols, beta: beta, c: out, ldc: cols)
    }

    /// The forward pass: z = patches(x)·W + b, shaped `outputShape`.
    func forward(_ x: Tensor, outputShape: [Int]) throws -> Tensor {
        let p = geometry.patchCount, k = geometry.patchSize, m = outputs
        let rowsPerChunk = chunkRows(width: Swift.max(k, m))
        var out = try Memory.zeros(p * m)
        var workspace = geometry.patchesAreInput ? [] : try Memory.zeros(Swift.min(p, rowsPerChunk) * k)
        x.data.withPointer { xp in
            weights.withPointer { wp in
                bias.withPointer { bp in
                    out.withMutablePointer { op in
                        workspace.withMutablePointer { ws in
                            for start in chunks(p, size: rowsPerChunk) {
                                let rows = chunk(at: start, size: rowsPerChunk, total: p)
                                let destination = op + rows.lowerBound * m
                                for row in 0..<rows.count { (destination + row * m).update(from: bp, count: m) }
                                product(xp, wp, cols: m, rows: rows, workspace: ws, beta: 1, into: destination)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(validShape: outputShape, data: out)
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

    /// A backward product target: result += patchesᵀ(s·Vᵀ) with V a K×cols matrix.
    private struct Target {
        let v: UnsafePointer<Double>
        let result: UnsafeMutablePointer<Double>
    }

    /// Runs over the patches in chunks: `fill(rows, s)` writes the rows of the scaled relevance s
    /// (rows.count×cols) and every target receives patchesᵀ(s·Vᵀ) (col2im of the product).
    private func transposedProducts(
        cols: Int, targets: [Target],
        fill: (Range<Int>, UnsafeMutablePointer<Double>) -> Void
    ) throws {
        let p = geometry.patchCount, k = geometry.patchSize
        let rowsPerChunk = chunkRows(width: Swift.max(k, cols))
        let chunkLength = Swift.min(p, rowsPerChunk)
        var s = try Memory.zeros(chunkLength * cols)
        var t = geometry.patchesAreInput ? [] : try Memory.zeros(chunkLength * k)
        s.withMutablePointer { sp in
            t.withMutablePointer { tp in
                for start in chunks(p, size: rowsPerChunk) {
                    let rows = chunk(at: start, size: rowsPerChunk, total: p)
                    fill(rows, sp)
                    for target in targets {
                        if geometry.patchesAreInput {
                            // Patches are disjoint rows of the input: accumulate straight into the result.
                            BLAS.gemm(transposeB: true, m: rows.count, n: k, k: cols, a: sp, lda: cols,
                                      b: target.v, ldb: cols, beta: 1, c: target.result + rows.lowerBound * k, ldc: k)
                        } else {
                            BLAS.gemm(transposeB: true, m: rows.count, n: k, k: cols, a: sp, lda: cols,
                                      b: target.v, ldb: cols, beta: 0, c: tp, ldc: k)
                            geometry.scatterAdd(tp, rows: rows, into: target.result)
                        }
                    }
                }
            }
        }
    }

    /// simple and epsilon: R_i = x_i·Σ_j w_ij·R_j / (z_j + ε·sign(z_j)), with z the stored forward output.
    private func epsilonRule(_ r: Tensor, _ x: Tensor, _ z: Tensor, stabilizer eps: Double) throws -> Tensor {
        var result = try Memory.zeros(x.count)
        let m = outputs
        try r.data.withPointer { rp in
            try z.data.withPointer { zp in
                try weights.withPointer { wp in
                    try result.withMutablePointer { out in
                        try transposedProducts(cols: m, targets: [Target(v: wp, result: out)]) { rows, s in
                            let base = rows.lowerBound * m
                            for i in 0..<(rows.count * m) {
                                let zj = zp[base + i]
                                s[i] = rp[base + i] / (zj + (zj >= 0 ? eps : -eps))
                            }
                        }
                    }
                }
            }
        }
        x.data.withPointer { xp in
            result.withMutablePointer { out in
                for i in 0..<x.count { out[i] *= xp[i] }
            }
        }
        return Tensor(validShape: x.shape, data: result)
    }

    /// alphabeta: z⁺ = x⁺W⁺ + x⁻W⁻ + b⁺ and z⁻ = x⁺W⁻ + x⁻W⁺ + b⁻ (the sign is that of the product x_i·w_ij);
    /// s⁺ = α·R/(z⁺ + 1e-16), s⁻ = β·R/(z⁻ − 1e-16); R_in = x⁺⊙(W⁺s⁺ + W⁻s⁻) + x⁻⊙(W⁻s⁺ + W⁺s⁻).
    ///
    /// The active terms (α ≠ 0, β ≠ 0) are stacked side by side as the columns of V⁺ = [W⁺ | W⁻] (which
    /// multiplies x⁺) and V⁻ = [W⁻ | W⁺] (which multiplies x⁻), so a chunk takes one product per sign of x for
    /// z and one per sign for the relevance; products for a sign x does not have are left out.
    private func alphaBetaRule(_ r: Tensor, _ x: Tensor, alpha: Double) throws -> Tensor {
        let beta = 1 - alpha
        let k = geometry.patchSize, m = outputs
        // Per stacked term: its coefficient and the sign of its stabilizer (+ for z⁺, − for z⁻).
        var terms: [(coefficient: Double, sign: Double)] = []
        if alpha != 0 { terms.append((alpha, 1)) }
        if beta != 0 { terms.append((beta, -1)) }
        let hasPositive = x.data.contains { $0 > 0 }
        let hasNegative = x.data.contains { $0 < 0 }
        guard !terms.isEmpty, hasPositive || hasNegative else { return try Tensor.zeros(x.shape) }
        let cols = terms.count * m

        var vPos = [Double](repeating: 0, count: k * cols)
        var vNeg = [Double](repeating: 0, count: k * cols)
        var stackedBias = [Double](repeating: 0, count: cols)
        var coefficient = [Double](repeating: 0, count: cols)
        var stabilizer = [Double](repeating: 0, count: cols)
        for (t, term) in terms.enumerated() {
            for row in 0..<k {
                for j in 0..<m {
                    let w = weights[row * m + j]
                    vPos[row * cols + t * m + j] = term.sign > 0 ? Swift.max(w, 0) : Swift.min(w, 0)
                    vNeg[row * cols + t * m + j] = term.sign > 0 ? Swift.min(w, 0) : Swift.max(w, 0)
                }
            }
            for j in 0..<m {
                stackedBias[t * m + j] = term.sign > 0 ? Swift.max(bias[j], 0) : Swift.min(bias[j], 0)
                coefficient[t * m + j] = term.coefficient
                stabilizer[t * m + j] = term.sign * 1e-16
            }
        }

        let xPos = hasPositive ? x.data.map { Swift.max($0, 0) } : []
        let xNeg = hasNegative ? x.data.map { Swift.min($0, 0) } : []
        var accPos = hasPositive ? try Memory.zeros(x.count) : []
        var accNeg = hasNegative ? try Memory.zeros(x.count) : []
        let chunkLength = Swift.min(geometry.patchCount, chunkRows(width: Swift.max(k, cols)))
        var zChunk = try Memory.zeros(chunkLength * cols)
        var gatherSpace = geometry.patchesAreInput ? [] : try Memory.zeros(chunkLength * k)

        try r.data.withPointer { rp in
            try xPos.withPointer { xpp in
                try xNeg.withPointer { xnp in
                    try vPos.withPointer { vpp in
                        try vNeg.withPointer { vnp in
                            try zChunk.withMutablePointer { zc in
                                try gatherSpace.withMutablePointer { ws in
                                    try accPos.withMutablePointer { ap in
                                        try accNeg.withMutablePointer { an in
                                            var targets: [Target] = []
                                            if hasPositive { targets.append(Target(v: vpp, result: ap)) }
                                            if hasNegative { targets.append(Target(v: vnp, result: an)) }
                                            try transposedProducts(cols: cols, targets: targets) { rows, s in
                                                if hasPositive {
                                                    product(xpp, vpp, cols: cols, rows: rows, workspace: ws, beta: 0,
                                                            into: zc)
                                                }
                                                if hasNegative {
                                                    product(xnp, vnp, cols: cols, rows: rows, workspace: ws,
                                                            beta: hasPositive ? 1 : 0, into: zc)
                                                }
                                                for (row, patch) in rows.enumerated() {
                                                    let zRow = zc + row * cols, sRow = s + row * cols
                                                    let rRow = rp + patch * m
                                                    for c in 0..<cols {
                                                        let denominator = zRow[c] + stackedBias[c] + stabilizer[c]
                                                        sRow[c] = coefficient[c] * rRow[c % m] / denominator
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var result = try Memory.zeros(x.count)
        if hasPositive { for i in 0..<x.count { result[i] += xPos[i] * accPos[i] } }
        if hasNegative { for i in 0..<x.count { result[i] += xNeg[i] * accNeg[i] } }
        return Tensor(validShape: x.shape, data: result)
    }

    /// ww: R_i = Σ_j w_ij²/(Σ_i' w_i'j²)·R_j (no input factor). A column of zero weights passes nothing.
    private func wSquareRule(_ r: Tensor, _ x: Tensor) throws -> Tensor {
        let k = geometry.patchSize, m = outputs
        let squares = weights.map { $0 * $0 }
        var columnSums = [Double](repeating: 0, count: m)
        for row in 0..<k { for j in 0..<m { columnSums[j] += squares[row * m + j] } }
        let inverse = columnSums.map { $0 == 0 ? 0 : 1 / $0 }
        var result = try Memory.zeros(x.count)
        try r.data.withPointer { rp in
            try squares.withPointer { vp in
                try result.withMutablePointer { out in
                    try transposedProducts(cols: m, targets: [Target(v: vp, result: out)]) { rows, s in
                        for (row, patch) in rows.enumerated() {
                            for j in 0..<m { s[row * m + j] = rp[patch * m + j] * inverse[j] }
                        }
                    }
                }
            }
        }
        return Tensor(validShape: x.shape, data: result)
    }

    /// flat: R_i = Σ_j R_j / K, j over the outputs whose patch contains i.
    private func flatRule(_ r: Tensor, _ x: Tensor) throws -> Tensor {
        let k = geometry.patchSize, m = outputs, p = geometry.patchCount
        var result = try Memory.zeros(x.count)
        let rowsPerChunk = chunkRows(width: k)
        var t = try Memory.zeros(Swift.min(p, rowsPerChunk) * k)
        r.data.withPointer { rp in
            t.withMutablePointer { tp in
                result.withMutablePointer { out in
                    for start in chunks(p, size: rowsPerChunk) {
                        let rows = chunk(at: start, size: rowsPerChunk, total: p)
                        for (row, patch) in rows.enumerated() {
                            var total = 0.0
                            for j in 0..<m { total += rp[patch * m + j] }
                            (tp + row * k).update(repeating: total / Double(k), count: k)
                        }
                        geometry.scatterAdd(tp, rows: rows, into: out)
                    }
                }
            }
        }
        return Tensor(validShape: x.shape, data: result)
    }
}
