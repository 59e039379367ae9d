import Synchronization

extension Network {
    /// The indices of the kernel layers (Linear, Convolution) in model order: the layers that have patterns.
    public var kernelLayers: [Int] { (0..<layerCount).filter { layer(at: $0) is any KernelLayer } }

    /// The kernel layer at `index`, or an error naming the layer.
    func kernel(_ index: Int) throws -> any KernelLayer {
        try checkLayer(index)
        guard let layer = layer(at: index) as? any KernelLayer else {
            throw LRPError.argument("\(context(index)) has no kernel, so no pattern")
        }
        return layer
    }

    /// The pattern statistics of the batch `x` (one forward pass; spec/patterns.md): per kernel layer the sums
    /// over its input patches. Merge the statistics of several batches with `PatternStatistics.merge`.
    public func patternStatistics(_ x: Tensor) throws -> PatternStatistics {
        let kernels = kernelLayers
        guard !kernels.isEmpty else { throw LRPError.argument("the model has no Linear or Convolution layer, so nothing to fit patterns for") }
        let pass = try forward(x)
        return PatternStatistics(layers: try kernels.map { index in
            let layer = try kernel(index)
            guard let trace = pass.traces[index] else { throw LRPError.state("\(context(index)) did not run") }
            return try withContext(context(index)) {
                var s = try KernelStatistics(layer: index, inputs: layer.patchSize, neurons: layer.neurons)
                try layer.affineMap(for: trace.input.shape).accumulatePatternSums(trace.input, output: trace.output, into: &s)
                return s
            }
        })
    }

    /// The patterns the kernel layers hold, in model order (nil where a layer has none).
    public var patterns: [Tensor?] { kernelLayers.map { (layer(at: $0) as? any KernelLayer)?.pattern } }

    /// Sets every kernel layer's pattern (one per kernel layer in model order, each with its kernel's element
    /// count; nil clears). Nothing changes unless all fit.
    public func setPatterns(_ patterns: [Tensor?]) throws {
        let kernels = kernelLayers
        guard patterns.count == kernels.count else {
            throw LRPError.shape("\(patterns.count) patterns given; the model has \(kernels.count) kernel layers (Linear, Convolution)")
        }
        let layers = try kernels.map { try kernel($0) }
        // Every pattern checked and prepared before any layer changes.
        let prepared = try zip(layers, patterns).enumerated().map { i, pair in
            try withContext("pattern \(i), \(context(kernels[i]))") { try pair.0.checkedPattern(pair.1) }
        }
        for (layer, pattern) in zip(layers, prepared) { layer.patternSlot.set(pattern) }
    }
}

extension AffineMap {
    /// Adds the pattern sums of one batch to `s`: x is the layer's input, z = patches(x)·W + b its output.
    /// Per chunk of patches one product Xᵀ·[M | Y⊙M | Y] (K × 3M) gives Σ m·x, Σ m·x·y and Σ x·y at once; the
    /// batch is split over threads, each with its own sums, added at the end.
    func accumulatePatternSums(_ x: Tensor, output z: Tensor, into s: inout KernelStatistics) throws {
        let p = weights.precision
        let (x, z) = (try x.converted(to: p), try z.converted(to: p))
        try p.select(accumulate(x, z, &s, Double.self), accumulate(x, z, &s, Float.self))
    }

    private func accumulate<T: Real>(_ x: Tensor, _ z: Tensor, _ s: inout KernelStatistics, _: T.Type) throws {
        let (k, m, rowsTotal) = (geometry.patchSize, outputs, geometry.patchCount)
        guard z.count == rowsTotal * m else { throw LRPError.shape("the output has \(z.count) values, \(rowsTotal)×\(m) expected") }
        let width = 3 * m
        try Limits.checkAllocation(k * width, of: 2 * MemoryLayout<Double>.stride * Parallel.threads, "pattern sums")
        let chunk = Swift.max(1, chunkBudget / Swift.max(k, width))
        let (xp, zp, bp) = (x.pointer(T.self), z.pointer(T.self), bias.pointer(T.self))
        let totals = Mutex(s)
        Parallel.forEachPart(rowsTotal, grain: chunk) { part in
            let workspace = Workspace()
            var sumXYM = [Double](repeating: 0, count: k * width), sumX = [Double](repeating: 0, count: k)
            var sumY = [Double](repeating: 0, count: m), active = [Int](repeating: 0, count: m)
            let product = workspace.buffer(2, k * width, T.self)
            for start in stride(from: part.lowerBound, to: part.upperBound, by: chunk) {
                let rows = start..<Swift.min(part.upperBound, start + chunk)
                let a = patches(xp, rows, workspace.buffer(0, rows.count * k, T.self))
                let b = workspace.buffer(1, rows.count * width, T.self)
                for (r, row) in rows.enumerated() {
                    let (zr, br) = (zp + row * m, b + r * width)
                    for j in 0..<m {
                        let y = zr[j] - bp[j], on = zr[j] > 0
                        br[j] = on ? 1 : 0
                        br[m + j] = on ? y : 0
                        br[2 * m + j] = y
                        sumY[j] += Double(y)
                        if on { active[j] += 1 }
                    }
                    let ar = a + r * k
                    for i in 0..<k { sumX[i] += Double(ar[i]) }
                }
                BLAS.gemm(transposeA: true, m: k, n: width, k: rows.count, a: a, lda: k, b: b, ldb: width, beta: 0, c: product, ldc: width)
                for i in 0..<(k * width) { sumXYM[i] += Double(product[i]) }
            }
            totals.withLock { t in
                t.samples += part.count
                for j in 0..<m {
                    t.active[j] += active[j]
                    t.sumY[j] += sumY[j]
                }
                for i in 0..<k {
                    t.sumX[i] += sumX[i]
                    for j in 0..<m {
                        t.sumActiveX[i * m + j] += sumXYM[i * width + j]
                        t.sumActiveXY[i * m + j] += sumXYM[i * width + m + j]
                        t.sumXY[i * m + j] += sumXYM[i * width + 2 * m + j]
                    }
                }
            }
        }
        s = totals.withLock { $0 }
        withExtendedLifetime((x, z, bias)) {}
    }
}
