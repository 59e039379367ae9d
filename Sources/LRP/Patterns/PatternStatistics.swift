import Synchronization

/// The sums one kernel layer's patterns are computed from (spec/patterns.md, "Statistics"), over samples n
/// (images × output positions for a convolution) with x the neuron's input patch, y_j = w_j·x (no bias) and
/// m_j = [w_j·x + b_j > 0]. Sums, not means, so that statistics of disjoint batches add up exactly.
public struct KernelStatistics: Sendable, Equatable {
    /// The layer's index in the model.
    public let layer: Int
    /// K, values per patch (the rows of W read as a K×M matrix).
    public let inputs: Int
    /// M, the neurons (output channels).
    public let neurons: Int
    /// N, the samples seen.
    public internal(set) var samples: Int = 0
    /// Σ m_j: per neuron, the samples where it is active (M).
    public internal(set) var active: [Int]
    /// Σ x over all samples (K).
    public internal(set) var sumX: [Double]
    /// Σ y_j over all samples (M).
    public internal(set) var sumY: [Double]
    /// Σ m_j·x (K×M, row-major).
    public internal(set) var sumActiveX: [Double]
    /// Σ m_j·x·y_j (K×M).
    public internal(set) var sumActiveXY: [Double]
    /// Σ x·y_j over all samples (K×M).
    public internal(set) var sumXY: [Double]

    /// Empty sums for a layer of K inputs and M neurons.
    public init(layer: Int, inputs: Int, neurons: Int) throws {
        let (km, overflow) = inputs.multipliedReportingOverflow(by: neurons)
        guard inputs >= 1, neurons >= 1, !overflow else { throw LRPError.argument("a kernel layer needs K, M ≥ 1, got \(inputs)×\(neurons)") }
        try Limits.checkAllocation(km, of: 3 * MemoryLayout<Double>.stride, "pattern statistics of layer \(layer)")
        (self.layer, self.inputs, self.neurons) = (layer, inputs, neurons)
        active = Array(repeating: 0, count: neurons)
        sumX = Array(repeating: 0, count: inputs)
        sumY = Array(repeating: 0, count: neurons)
        sumActiveX = Array(repeating: 0, count: km)
        sumActiveXY = sumActiveX
        sumXY = sumActiveX
    }

    /// Adds the sums of `other`, which must describe the same layer.
    public mutating func merge(_ other: KernelStatistics) throws {
        guard other.layer == layer, other.inputs == inputs, other.neurons == neurons else {
            throw LRPError.shape("pattern statistics of layer \(other.layer) (\(other.inputs)×\(other.neurons)) cannot merge with those of layer \(layer) (\(inputs)×\(neurons))")
        }
        let (total, overflow) = samples.addingReportingOverflow(other.samples)
        guard !overflow, total <= 1 << 52 else { throw LRPError.argument("merged pattern statistics would count more than 2⁵² samples") }
        samples = total
        for j in 0..<neurons { active[j] += other.active[j]; sumY[j] += other.sumY[j] }
        for k in 0..<inputs { sumX[k] += other.sumX[k] }
        for i in 0..<sumXY.count {
            sumActiveX[i] += other.sumActiveX[i]
            sumActiveXY[i] += other.sumActiveXY[i]
            sumXY[i] += other.sumXY[i]
        }
    }

    /// The pattern of `type` for the kernel `w` (K×M values, row-major): a_j = cov_j / (w_jᵀcov_j) with
    /// cov_j = E_m[x·y_j] − E_m[x]·E[y_j], E_m over the masked samples and E[y_j] over all (iNNvestigate's
    /// choice); a zero count or denominator is replaced by 1. Entries outside a neuron's channel group are 0.
    func pattern(_ type: PatternType, weights w: UnsafePointer<Double>, connects: (Int, Int) -> Bool) throws -> [Double] {
        guard samples > 0 else { throw LRPError.state("the pattern statistics of layer \(layer) hold no samples") }
        let (k, m) = (inputs, neurons)
        var a = [Double](repeating: 0, count: k * m)
        for j in 0..<m {
            let meanY = sumY[j] / Double(samples)
            let count: Int
            switch type {
            case .linear: count = samples
            case .relu: count = active[j]
            case .reluNegative: count = samples - active[j]
            }
            let divisor = count == 0 ? 1.0 : Double(count)
            var denominator = 0.0
            for i in 0..<k {
                let (mx, mxy): (Double, Double)
                switch type {
                case .linear: (mx, mxy) = (sumX[i], sumXY[i * m + j])
                case .relu: (mx, mxy) = (sumActiveX[i * m + j], sumActiveXY[i * m + j])
                case .reluNegative: (mx, mxy) = (sumX[i] - sumActiveX[i * m + j], sumXY[i * m + j] - sumActiveXY[i * m + j])
                }
                let cov = mxy / divisor - mx / divisor * meanY
                a[i * m + j] = cov
                denominator += w[i * m + j] * cov
            }
            let scale = denominator == 0 ? 1.0 : denominator
            for i in 0..<k { a[i * m + j] = connects(i, j) ? a[i * m + j] / scale : 0 }
        }
        return a
    }
}

/// The pattern statistics of a model: one `KernelStatistics` per kernel layer (Linear, Convolution), in model
/// order. Statistics of disjoint data merge exactly (`merge`), so fitting can be split over batches, processes
/// or machines.
public struct PatternStatistics: Sendable, Equatable {
    /// Per kernel layer, in model order.
    public internal(set) var layers: [KernelStatistics]

    /// Statistics from their layers' sums (e.g. read back from a file), checked against nothing yet: `patterns`
    /// checks them against a model.
    public init(layers: [KernelStatistics]) { self.layers = layers }

    /// Adds `other`'s sums (the same model's statistics of other data).
    public mutating func merge(_ other: PatternStatistics) throws {
        guard other.layers.count == layers.count else {
            throw LRPError.shape("pattern statistics of \(other.layers.count) kernel layers cannot merge with those of \(layers.count)")
        }
        for i in layers.indices { try layers[i].merge(other.layers[i]) }
    }

    /// The samples seen (by the first kernel layer: images for a convolution count once per output position).
    public var samples: Int { layers.first?.samples ?? 0 }

    /// The patterns of `type` for `model`, one per kernel layer in model order, each shaped like its kernel and in
    /// the model's precision.
    public func patterns(_ type: PatternType, for model: any Network) throws -> [Tensor] {
        let kernels = model.kernelLayers
        return try zip(kernels, try patternValues(type, for: model)).map { index, values in
            guard let shape = model.parameters(of: index).first?.shape else { throw LRPError.shape("\(model.context(index)) has no kernel") }
            return try Tensor(shape: shape, data: values).converted(to: model.precision)
        }
    }

    /// The patterns as float64 values (K×M row-major per kernel layer), checked against `model`'s kernel layers.
    func patternValues(_ type: PatternType, for model: any Network) throws -> [[Double]] {
        let kernels = model.kernelLayers
        guard kernels.count == layers.count else {
            throw LRPError.shape("these pattern statistics are of \(layers.count) kernel layers; the model has \(kernels.count)")
        }
        return try zip(kernels, layers).map { index, s in
            guard let layer = model.layer(at: index) as? any KernelLayer, s.layer == index, s.inputs == layer.patchSize,
                  s.neurons == layer.neurons else {
                throw LRPError.shape("pattern statistics of layer \(s.layer) (\(s.inputs)×\(s.neurons)) do not fit \(model.context(index))")
            }
            let w = try layer.weights.converted(to: .float64)
            return try w.withUnsafeBufferPointer(as: Double.self) { wp in
                guard let base = wp.baseAddress else { throw LRPError.shape("\(model.context(index)) has no weights") }
                return try s.pattern(type, weights: base, connects: layer.connects)
            }
        }
    }
}
