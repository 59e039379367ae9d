import Glibc
import Synchronization

/// The signal estimators of Kindermans et al. (2018) whose quality ρ(S) `patternQuality` measures; each gives a
/// neuron's signal as s = a·y (a₊ or a₋ by the sign of the pre-activation for the two-component one).
public enum SignalEstimator: String, Sendable, CaseIterable {
    /// S_x: the whole input is signal (d = 0, so ρ = 1 by construction).
    case identity
    /// S_w: a = w / (wᵀw), the direction DeconvNet and guided backprop assume.
    case filter
    /// S_a: the linear pattern.
    case linear
    /// S_a+−: a₊ where w·x + b > 0, a₋ elsewhere (the relu and relu.negative patterns).
    case relu
    /// A random direction per neuron (standard normal, seeded), scaled so that wᵀa = 1 like the others.
    case random

    /// The estimator called `name` (case-insensitive, also "S_x", "S_w", "S_a", "S_a+-"); errors list the names.
    public init(name: String) throws {
        switch name.lowercased() {
        case "identity", "s_x", "x": self = .identity
        case "filter", "s_w", "w": self = .filter
        case "linear", "s_a", "a": self = .linear
        case "relu", "two_component", "s_a+-", "a+-": self = .relu
        case "random": self = .random
        default: throw LRPError.argument("unknown signal estimator '\(name)' (known: identity, filter, linear, relu, random)")
        }
    }
}

/// The held-out sums the quality measure needs for one kernel layer: N, Σx, Σxxᵀ, Σx·y, Σm·x·y, Σy, Σy², Σm·y,
/// Σm·y² (m = [w·x + b > 0]).
struct QualitySums {
    let inputs: Int, neurons: Int
    var samples = 0
    var sumX: [Double], sumXX: [Double], sumXY: [Double], sumActiveXY: [Double]
    var sumY: [Double], sumYY: [Double], sumActiveY: [Double], sumActiveYY: [Double]

    init(inputs: Int, neurons: Int) throws {
        try Limits.checkAllocation(inputs * (inputs + 2 * neurons), of: MemoryLayout<Double>.stride * (1 + Parallel.threads), "quality sums")
        (self.inputs, self.neurons) = (inputs, neurons)
        sumX = Array(repeating: 0, count: inputs)
        sumXX = Array(repeating: 0, count: inputs * inputs)
        sumXY = Array(repeating: 0, count: inputs * neurons)
        sumActiveXY = sumXY
        sumY = Array(repeating: 0, count: neurons)
        (sumYY, sumActiveY, sumActiveYY) = (sumY, sumY, sumY)
    }
}

extension Network {
    /// The quality ρ(S) = 1 − max_v corr(vᵀ(x − S(x)), y) of a signal estimator (seed 003, section 4;
    /// spec/patterns.md) on the data `x`, for every neuron of every kernel layer: per layer, in model order, one
    /// value per neuron. The maximum correlation is the multiple correlation of the least-squares regression of
    /// y on the distractor d = x − S(x) with intercept, so ρ = 1 − √R², computed exactly from sums over all
    /// samples (images × positions) — R² = c_dyᵀ·C_dd⁺·c_dy / var(y) — with a neuron's input restricted to its
    /// channel group. `statistics` (fitted on other data) give the linear and relu patterns; the relu estimator
    /// uses both components. With `neurons` set, that many neurons per layer (seeded) are scored and the rest are
    /// NaN; a neuron whose y is constant on `x` is NaN too.
    public func patternQuality(_ x: Tensor, estimator: SignalEstimator, statistics: PatternStatistics? = nil,
                               seed: UInt64 = 0, neurons: Int? = nil, batchSize: Int = 256) throws -> [[Double]] {
        let kernels = kernelLayers
        guard !kernels.isEmpty else { throw LRPError.argument("the model has no Linear or Convolution layer, so no patterns to score") }
        guard batchSize >= 1 else { throw LRPError.argument("batch size is \(batchSize); it must be ≥ 1") }
        if let neurons, neurons < 1 { throw LRPError.argument("neurons is \(neurons); score at least 1 per layer (or all)") }
        let layers = try kernels.map { try kernel($0) }
        let directions = try signalDirections(estimator, layers: layers, statistics: statistics, seed: seed)
        var sums = try layers.map { try QualitySums(inputs: $0.patchSize, neurons: $0.neurons) }
        guard let total = x.shape.first, total >= 1 else { throw LRPError.argument("the data set is empty") }
        for start in stride(from: 0, to: total, by: batchSize) {
            let batch = try x.samples(start..<Swift.min(total, start + batchSize))
            let pass = try forward(batch)
            for (i, index) in kernels.enumerated() {
                guard let trace = pass.traces[index] else { throw LRPError.state("\(context(index)) did not run") }
                try withContext(context(index)) {
                    try layers[i].affineMap(for: trace.input.shape).accumulateQualitySums(trace.input, output: trace.output, into: &sums[i])
                }
            }
        }
        return try layers.indices.map { i in
            var random = SampleRandom(seed: seed ^ 0xA076_1D64_78BD_642F &+ UInt64(i))
            let m = layers[i].neurons
            let scored = neurons.map { $0 >= m ? Array(0..<m) : random.distinct($0, below: m) } ?? Array(0..<m)
            return try quality(sums[i], layers[i], directions[i], scored)
        }
    }

    /// Per kernel layer the estimator's (a₋, a₊) as K×M matrices (nil for the identity).
    private func signalDirections(_ estimator: SignalEstimator, layers: [any KernelLayer], statistics: PatternStatistics?,
                                  seed: UInt64) throws -> [(minus: [Double], plus: [Double])?] {
        switch estimator {
        case .identity: return layers.map { _ in nil }
        case .linear, .relu:
            guard let statistics else {
                throw LRPError.argument("the \(estimator.rawValue) estimator needs pattern statistics fitted on other data (fit patterns first)")
            }
            // In float64 whatever the model's precision: ρ is computed in float64.
            let first = try statistics.patternValues(estimator == .linear ? .linear : .reluNegative, for: self)
            let second = estimator == .linear ? first : try statistics.patternValues(.relu, for: self)
            return zip(first, second).map { (minus: $0, plus: $1) }
        case .filter, .random:
            var random = SampleRandom(seed: seed)
            return layers.map { layer in
                let (k, m, w) = (layer.patchSize, layer.neurons, layer.weights.data)
                var a = [Double](repeating: 0, count: k * m)
                for j in 0..<m {
                    var dot = 0.0
                    for i in 0..<k where layer.connects(row: i, neuron: j) {
                        a[i * m + j] = estimator == .filter ? w[i * m + j] : random.normal()
                        dot += w[i * m + j] * a[i * m + j]
                    }
                    let scale = dot == 0 ? 1 : dot
                    for i in 0..<k { a[i * m + j] /= scale }
                }
                return (minus: a, plus: a)
            }
        }
    }

    /// ρ for the neurons `scored` of one layer (NaN for the others).
    private func quality(_ s: QualitySums, _ layer: any KernelLayer, _ direction: (minus: [Double], plus: [Double])?,
                         _ scored: [Int]) throws -> [Double] {
        let (k, m) = (s.inputs, s.neurons)
        guard s.samples > 0 else { throw LRPError.state("no samples reached the layer") }
        let n = Double(s.samples)
        let meanX = s.sumX.map { $0 / n }
        let results = Mutex([Double](repeating: .nan, count: m))
        Parallel.forEachPart(scored.count, grain: 1) { part in
            let c = UnsafeMutablePointer<Double>.allocate(capacity: k * k), v = UnsafeMutablePointer<Double>.allocate(capacity: k)
            defer { c.deallocate(); v.deallocate() }
            for j in scored[part] {
                let meanU = s.sumY[j] / n, meanV = s.sumActiveY[j] / n
                let cuu = s.sumYY[j] / n - meanU * meanU
                let cuv = s.sumActiveYY[j] / n - meanU * meanV, cvv = s.sumActiveYY[j] / n - meanV * meanV
                guard cuu > 1e-14 * (s.sumYY[j] / n) else { continue }  // y constant: no correlation to measure
                guard let direction else {
                    results.withLock { $0[j] = 1 }  // d = 0
                    continue
                }
                let rows = (0..<k).filter { layer.connects(row: $0, neuron: j) }
                let g = rows.count
                // a = a₋, δ = a₊ − a₋; d = x − a·y − δ·(m·y); central moments Cxx, Cxu, Cxv give cov(d) and cov(d, y).
                var a = [Double](repeating: 0, count: g), delta = a, cxu = a, cxv = a
                for (p, i) in rows.enumerated() {
                    a[p] = direction.minus[i * m + j]
                    delta[p] = direction.plus[i * m + j] - a[p]
                    cxu[p] = s.sumXY[i * m + j] / n - meanX[i] * meanU
                    cxv[p] = s.sumActiveXY[i * m + j] / n - meanX[i] * meanV
                }
                for (p, i) in rows.enumerated() {
                    for (q, l) in rows.enumerated() {
                        let cxx = s.sumXX[i * k + l] / n - meanX[i] * meanX[l]
                        c[p * g + q] = cxx - cxu[p] * a[q] - a[p] * cxu[q] - cxv[p] * delta[q] - delta[p] * cxv[q]
                            + a[p] * a[q] * cuu + (a[p] * delta[q] + delta[p] * a[q]) * cuv + delta[p] * delta[q] * cvv
                    }
                    v[p] = cxu[p] - a[p] * cuu - delta[p] * cuv
                }
                let explained = PivotedCholesky.projectedSquare(c, v, n: g, tolerance: Self.qualityTolerance)
                let r2 = Swift.min(1, Swift.max(0, explained / cuu))
                results.withLock { $0[j] = 1 - r2.squareRoot() }
            }
        }
        return results.withLock { $0 }
    }

    /// Variances below this fraction of the largest distractor variance count as zero in the regression.
    static var qualityTolerance: Double { 1e-10 }
}

extension AffineMap {
    /// Adds one batch's quality sums: one product Xᵀ·[X | Y | M⊙Y] per chunk of patches.
    func accumulateQualitySums(_ x: Tensor, output z: Tensor, into s: inout QualitySums) throws {
        let (x, z) = (try x.converted(to: .float64), try z.converted(to: .float64))
        let b = try bias.converted(to: .float64)
        let (k, m, rowsTotal) = (geometry.patchSize, outputs, geometry.patchCount)
        guard z.count == rowsTotal * m else { throw LRPError.shape("the output has \(z.count) values, \(rowsTotal)×\(m) expected") }
        let width = k + 2 * m
        let chunk = Swift.max(1, chunkBudget / width)
        let (xp, zp, bp) = (x.pointer(Double.self), z.pointer(Double.self), b.pointer(Double.self))
        let totals = Mutex(s)
        Parallel.forEachPart(rowsTotal, grain: chunk) { part in
            let workspace = Workspace()
            var local = totals.withLock { QualitySums(empty: $0) }
            let product = workspace.buffer(2, k * width, Double.self)
            for start in stride(from: part.lowerBound, to: part.upperBound, by: chunk) {
                let rows = start..<Swift.min(part.upperBound, start + chunk)
                let a = patches(xp, rows, workspace.buffer(0, rows.count * k, Double.self))
                let right = workspace.buffer(1, rows.count * width, Double.self)
                for (r, row) in rows.enumerated() {
                    let (ar, zr, br) = (a + r * k, zp + row * m, right + r * width)
                    br.update(from: ar, count: k)
                    for i in 0..<k { local.sumX[i] += ar[i] }
                    for j in 0..<m {
                        let y = zr[j] - bp[j], on = zr[j] > 0
                        br[k + j] = y
                        br[k + m + j] = on ? y : 0
                        local.sumY[j] += y
                        local.sumYY[j] += y * y
                        if on { local.sumActiveY[j] += y; local.sumActiveYY[j] += y * y }
                    }
                }
                BLAS.gemm(transposeA: true, m: k, n: width, k: rows.count, a: a, lda: k, b: right, ldb: width, beta: 0, c: product, ldc: width)
                for i in 0..<k {
                    let pr = product + i * width
                    for l in 0..<k { local.sumXX[i * k + l] += pr[l] }
                    for j in 0..<m {
                        local.sumXY[i * m + j] += pr[k + j]
                        local.sumActiveXY[i * m + j] += pr[k + m + j]
                    }
                }
            }
            local.samples = part.count
            totals.withLock { $0.add(local) }
        }
        s = totals.withLock { $0 }
        withExtendedLifetime((x, z, b)) {}
    }
}

extension QualitySums {
    /// Zero sums of the same layer.
    init(empty s: QualitySums) {
        (inputs, neurons) = (s.inputs, s.neurons)
        sumX = Array(repeating: 0, count: s.sumX.count)
        sumXX = Array(repeating: 0, count: s.sumXX.count)
        sumXY = Array(repeating: 0, count: s.sumXY.count)
        sumActiveXY = sumXY
        sumY = Array(repeating: 0, count: s.sumY.count)
        (sumYY, sumActiveY, sumActiveYY) = (sumY, sumY, sumY)
    }

    /// Adds the sums of another part of the data.
    mutating func add(_ o: QualitySums) {
        samples += o.samples
        for i in sumX.indices { sumX[i] += o.sumX[i] }
        for i in sumXX.indices { sumXX[i] += o.sumXX[i] }
        for i in sumXY.indices { sumXY[i] += o.sumXY[i]; sumActiveXY[i] += o.sumActiveXY[i] }
        for j in sumY.indices {
            sumY[j] += o.sumY[j]; sumYY[j] += o.sumYY[j]
            sumActiveY[j] += o.sumActiveY[j]; sumActiveYY[j] += o.sumActiveYY[j]
        }
    }
}

extension SampleRandom {
    /// A standard normal number (Box–Muller).
    mutating func normal() -> Double {
        let u = Swift.max(unit(), 0x1p-60), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

extension Tensor {
    /// Samples `range` of the batch (the first axis), copied.
    func samples(_ range: Range<Int>) throws -> Tensor {
        guard let n = shape.first, range.lowerBound >= 0, range.upperBound <= n else {
            throw LRPError.shape("samples \(range) of a batch \(Shape.describe(shape))")
        }
        if range == 0..<n { return self }
        let width = count / Swift.max(1, n)
        let out = try Tensor.uninitialized([range.count] + shape.dropFirst(), precision)
        func run<T: Real>(_: T.Type) {
            out.mutablePointer(T.self).update(from: pointer(T.self) + range.lowerBound * width, count: range.count * width)
        }
        precision.select(run(Double.self), run(Float.self))
        return withExtendedLifetime(self) { out }
    }
}
