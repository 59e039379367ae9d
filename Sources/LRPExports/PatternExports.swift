import CLRPHeader
import LRP

// PatternNet and PatternAttribution from include/lrp.h: pattern statistics, patterns, their quality.

/// What an `lrp_pattern_statistics *` points to.
final class StatisticsHandle {
    var statistics: PatternStatistics

    init(_ statistics: PatternStatistics) { self.statistics = statistics }

    func retainedPointer() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer?, _ name: String = "statistics") throws -> StatisticsHandle {
        let p = try required(pointer, name)
        return Unmanaged<StatisticsHandle>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    }

    static func release(_ pointer: OpaquePointer) {
        Unmanaged<StatisticsHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}

/// The statistics of one batch, as a new handle in *out.
private func computeStatistics<T: Real>(_ function: StaticString, _ model: OpaquePointer?, _ x: UnsafePointer<T>?, _ rank: Int32,
                                        _ dims: UnsafePointer<Int64>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    guarded(function, model: model) { handle in
        let destination = try required(out, "out")
        let batch = try input(x, rank, dims, precision: handle.model.precision)
        let statistics = try handle.model.patternStatistics(batch)
        destination.pointee = StatisticsHandle(statistics).retainedPointer()
    }
}

@_cdecl("lrp_pattern_statistics_compute")
public func lrp_pattern_statistics_compute(_ model: OpaquePointer?, _ x: UnsafePointer<Double>?, _ rank: Int32,
                                           _ dims: UnsafePointer<Int64>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    computeStatistics("lrp_pattern_statistics_compute", model, x, rank, dims, out)
}

@_cdecl("lrp_pattern_statistics_compute_f32")
public func lrp_pattern_statistics_compute_f32(_ model: OpaquePointer?, _ x: UnsafePointer<Float>?, _ rank: Int32,
                                               _ dims: UnsafePointer<Int64>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    computeStatistics("lrp_pattern_statistics_compute_f32", model, x, rank, dims, out)
}

@_cdecl("lrp_pattern_statistics_merge")
public func lrp_pattern_statistics_merge(_ into: OpaquePointer?, _ other: OpaquePointer?) -> lrp_status {
    guarded("lrp_pattern_statistics_merge") {
        let (target, source) = (try StatisticsHandle.from(into, "into"), try StatisticsHandle.from(other, "other"))
        var merged = target.statistics
        try merged.merge(source.statistics)
        target.statistics = merged
    }
}

@_cdecl("lrp_pattern_statistics_free")
public func lrp_pattern_statistics_free(_ statistics: OpaquePointer?) {
    if let statistics { StatisticsHandle.release(statistics) }
}

@_cdecl("lrp_pattern_statistics_samples")
public func lrp_pattern_statistics_samples(_ statistics: OpaquePointer?) -> Int64 {
    guard let handle = try? StatisticsHandle.from(statistics) else { return -1 }
    return Int64(handle.statistics.samples)
}

@_cdecl("lrp_pattern_statistics_write")
public func lrp_pattern_statistics_write(_ statistics: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> lrp_status {
    guarded("lrp_pattern_statistics_write") {
        let handle = try StatisticsHandle.from(statistics)
        try PatternStatisticsFormat.write(handle.statistics, path: try string(path, "path"))
    }
}

@_cdecl("lrp_pattern_statistics_read")
public func lrp_pattern_statistics_read(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    guarded("lrp_pattern_statistics_read") {
        let destination = try required(out, "out")
        let statistics = try PatternStatisticsFormat.read(path: try string(path, "path"))
        destination.pointee = StatisticsHandle(statistics).retainedPointer()
    }
}

/// A caller's flat array as a float64 tensor (the Marshal helper, named apart from the parameter `values`).
private func valueTensor(_ pointer: UnsafePointer<Double>?, _ count: Int64, _ name: String) throws -> Tensor {
    try values(pointer, count, name)
}

/// The index of kernel layer `kernel` (0 = the model's first Linear or Convolution), checked.
private func kernelIndex(_ model: any Network, _ kernel: Int32) throws -> Int {
    let kernels = model.kernelLayers
    guard kernel >= 0, Int(kernel) < kernels.count else {
        throw LRPError.argument("kernel \(kernel) is out of range: the model has \(kernels.count) kernel layers (0 ..< \(kernels.count))")
    }
    return Int(kernel)
}

@_cdecl("lrp_model_kernel_layers")
public func lrp_model_kernel_layers(_ model: OpaquePointer?, _ layers: UnsafeMutablePointer<Int32>?, _ capacity: Int32,
                                    _ count: UnsafeMutablePointer<Int32>?) -> lrp_status {
    guarded("lrp_model_kernel_layers", model: model) { handle in
        let destination = try required(count, "count")
        let kernels = handle.model.kernelLayers
        if capacity > 0 {
            let out = try required(layers, "layers")
            guard Int(capacity) >= kernels.count else { throw LRPError.shape("capacity is \(capacity); the model has \(kernels.count) kernel layers") }
            for (i, k) in kernels.enumerated() { out[i] = Int32(k) }
        }
        destination.pointee = Int32(kernels.count)
    }
}

@_cdecl("lrp_model_set_patterns")
public func lrp_model_set_patterns(_ model: OpaquePointer?, _ statistics: OpaquePointer?, _ type: UnsafePointer<CChar>?) -> lrp_status {
    guarded("lrp_model_set_patterns", model: model) { handle in
        guard let statistics else {
            try handle.model.setPatterns(Array(repeating: nil, count: handle.model.kernelLayers.count))
            return
        }
        let s = try StatisticsHandle.from(statistics)
        let kind = try PatternType(name: optionalString(type) ?? "relu")
        try handle.model.setPatterns(try s.statistics.patterns(kind, for: handle.model))
    }
}

@_cdecl("lrp_pattern_statistics_pattern")
public func lrp_pattern_statistics_pattern(_ statistics: OpaquePointer?, _ model: OpaquePointer?, _ type: UnsafePointer<CChar>?,
                                           _ kernel: Int32, _ out: UnsafeMutablePointer<Double>?, _ count: Int64) -> lrp_status {
    guarded("lrp_pattern_statistics_pattern", model: model) { handle in
        let s = try StatisticsHandle.from(statistics)
        let index = try kernelIndex(handle.model, kernel)
        let kind = try PatternType(name: optionalString(type) ?? "relu")
        let pattern = try s.statistics.patterns(kind, for: handle.model)[index]
        guard count == Int64(pattern.count) else { throw LRPError.shape("count is \(count); the pattern of kernel \(kernel) has \(pattern.count) values (\(Shape.describe(pattern.shape)))") }
        copy(pattern, to: try required(out, "out"))
    }
}

@_cdecl("lrp_model_pattern")
public func lrp_model_pattern(_ model: OpaquePointer?, _ kernel: Int32, _ out: UnsafeMutablePointer<Double>?, _ count: Int64,
                              _ present: UnsafeMutablePointer<Int32>?) -> lrp_status {
    guarded("lrp_model_pattern", model: model) { handle in
        let index = try kernelIndex(handle.model, kernel)
        let flag = try required(present, "present")
        let layer = handle.model.kernelLayers[index]
        let expected = handle.model.parameters(of: layer).first?.count ?? 0
        guard count == Int64(expected) else { throw LRPError.shape("count is \(count); the kernel of kernel layer \(kernel) has \(expected) values") }
        guard let pattern = handle.model.patterns[index] else {
            flag.pointee = 0
            return
        }
        copy(pattern, to: try required(out, "out"))
        flag.pointee = 1
    }
}

@_cdecl("lrp_model_set_pattern")
public func lrp_model_set_pattern(_ model: OpaquePointer?, _ kernel: Int32, _ values: UnsafePointer<Double>?, _ count: Int64) -> lrp_status {
    guarded("lrp_model_set_pattern", model: model) { handle in
        let index = try kernelIndex(handle.model, kernel)
        var patterns = handle.model.patterns
        patterns[index] = values == nil ? nil : try valueTensor(values, count, "values")
        try handle.model.setPatterns(patterns)
    }
}

@_cdecl("lrp_pattern_quality")
public func lrp_pattern_quality(_ model: OpaquePointer?, _ x: UnsafePointer<Double>?, _ rank: Int32, _ dims: UnsafePointer<Int64>?,
                                _ estimator: UnsafePointer<CChar>?, _ statistics: OpaquePointer?, _ seed: UInt64, _ neurons: Int32,
                                _ rho: UnsafeMutablePointer<Double>?, _ count: Int64) -> lrp_status {
    guarded("lrp_pattern_quality", model: model) { handle in
        let kind = try SignalEstimator(name: try string(estimator, "estimator"))
        let s = try statistics.map { try StatisticsHandle.from($0).statistics }
        let total = handle.model.kernelLayers.reduce(0) { sum, index in sum + (handle.model.parameters(of: index).last?.count ?? 0) }
        guard count == Int64(total) else { throw LRPError.shape("count is \(count); the kernel layers have \(total) neurons in all") }
        let destination = try required(rho, "rho")
        guard neurons >= 0 else { throw LRPError.argument("neurons is \(neurons); give 0 for all or a count ≥ 1") }
        let batch = try input(x, rank, dims, precision: handle.model.precision)
        let values = try handle.model.patternQuality(batch, estimator: kind, statistics: s, seed: seed,
                                                      neurons: neurons == 0 ? nil : Int(neurons)).joined()
        for (i, v) in values.enumerated() { destination[i] = v }
    }
}
