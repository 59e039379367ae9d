import CLRPHeader
import LRP

// Relevance at chosen layers, from an intermediate layer, per-layer sums, and many targets, from include/lrp.h.

/// The stored trace of the model output, or a state error.
private func outputTrace(_ handle: ModelHandle) throws -> LayerTrace {
    guard let trace = handle.pass.traces[safe: handle.model.outputIndex] ?? nil else {
        throw LRPError.state("no forward pass yet: call lrp_forward first")
    }
    return trace
}

@_cdecl("lrp_relevance_at")
public func lrp_relevance_at(_ model: OpaquePointer?, _ r: UnsafePointer<Double>?, _ rCount: Int64,
                             _ rule: UnsafePointer<CChar>?, _ parameter: Double, _ start: Int32,
                             _ layers: UnsafePointer<Int32>?, _ layerCount: Int32,
                             _ outs: UnsafePointer<UnsafeMutablePointer<Double>?>?, _ capacities: UnsafePointer<Int64>?,
                             _ sums: UnsafeMutablePointer<Double>?, _ sumsCapacity: Int64) -> lrp_status {
    relevanceAt("lrp_relevance_at", model, r, rCount, rule, parameter, start, layers, layerCount, outs, capacities, sums, sumsCapacity)
}

@_cdecl("lrp_relevance_at_f32")
public func lrp_relevance_at_f32(_ model: OpaquePointer?, _ r: UnsafePointer<Float>?, _ rCount: Int64,
                                 _ rule: UnsafePointer<CChar>?, _ parameter: Double, _ start: Int32,
                                 _ layers: UnsafePointer<Int32>?, _ layerCount: Int32,
                                 _ outs: UnsafePointer<UnsafeMutablePointer<Float>?>?, _ capacities: UnsafePointer<Int64>?,
                                 _ sums: UnsafeMutablePointer<Double>?, _ sumsCapacity: Int64) -> lrp_status {
    relevanceAt("lrp_relevance_at_f32", model, r, rCount, rule, parameter, start, layers, layerCount, outs, capacities, sums, sumsCapacity)
}

/// lrp_relevance_at and lrp_relevance_at_f32 (relevance buffers of T).
private func relevanceAt<T: Real>(_ function: StaticString, _ model: OpaquePointer?, _ r: UnsafePointer<T>?, _ rCount: Int64,
                                  _ rule: UnsafePointer<CChar>?, _ parameter: Double, _ start: Int32,
                                  _ layers: UnsafePointer<Int32>?, _ layerCount: Int32,
                                  _ outs: UnsafePointer<UnsafeMutablePointer<T>?>?, _ capacities: UnsafePointer<Int64>?,
                                  _ sums: UnsafeMutablePointer<Double>?, _ sumsCapacity: Int64) -> lrp_status {
    guarded(function, model: model) { handle in
        let relevance = try values(r, rCount, "r", precision: handle.model.precision)
        guard layerCount >= 0, layerCount <= 1 << 20 else { throw LRPError.argument("layer_count must be ≥ 0, got \(layerCount)") }
        let requested = layerCount == 0 ? [] : Array(UnsafeBufferPointer(start: try required(layers, "layers"), count: Int(layerCount))).map(Int.init)
        let buffers = layerCount == 0 ? [] : Array(UnsafeBufferPointer(start: try required(outs, "outs"), count: Int(layerCount)))
        let sizes = layerCount == 0 ? [] : Array(UnsafeBufferPointer(start: try required(capacities, "capacities"), count: Int(layerCount)))
        let first = start == -1 ? nil : Int(start)
        if let first {
            try handle.model.checkLayer(first)
            guard let t = handle.pass.traces[first] else { throw LRPError.state("layer \(first) has no forward pass yet: call lrp_forward first") }
            try checkCount(rCount, "r", fits: t.output)
        } else {
            try checkCount(rCount, "r", fits: try outputTrace(handle).output)
        }
        let chosen = try rule.map { try Rule(nameOrSpec: String(cString: $0), parameter: parameter) }
        let result = try handle.model.explain(relevance, of: handle.pass,
                                              request: RelevanceRequest(rule: chosen, start: first, layers: requested, sums: sums != nil))
        // Check every buffer before writing any.
        for (k, tensor) in result.atLayers.enumerated() {
            try checkCapacity(sizes[k], tensor.count, "buffer \(k) (for layer \(requested[k]))")
            _ = try required(buffers[k], "outs[\(k)]")
        }
        var flatSums: [Double] = []
        if sums != nil {
            flatSums = result.sums.flatMap { $0 } + result.startSums
            try checkCapacity(sumsCapacity, flatSums.count, "the sums buffer (sums_capacity)")
        }
        for (k, tensor) in result.atLayers.enumerated() {
            if let buffer = buffers[k] { copy(tensor, to: buffer) }
        }
        if let sums { for (i, v) in flatSums.enumerated() { sums[i] = v } }
    }
}

@_cdecl("lrp_relevance_targets")
public func lrp_relevance_targets(_ model: OpaquePointer?, _ r: UnsafePointer<Double>?, _ targets: Int32, _ rCount: Int64,
                                  _ rule: UnsafePointer<CChar>?, _ parameter: Double,
                                  _ rx: UnsafeMutablePointer<Double>?, _ rxCapacity: Int64) -> lrp_status {
    relevanceTargets("lrp_relevance_targets", model, r, targets, rCount, rule, parameter, rx, rxCapacity)
}

@_cdecl("lrp_relevance_targets_f32")
public func lrp_relevance_targets_f32(_ model: OpaquePointer?, _ r: UnsafePointer<Float>?, _ targets: Int32, _ rCount: Int64,
                                      _ rule: UnsafePointer<CChar>?, _ parameter: Double,
                                      _ rx: UnsafeMutablePointer<Float>?, _ rxCapacity: Int64) -> lrp_status {
    relevanceTargets("lrp_relevance_targets_f32", model, r, targets, rCount, rule, parameter, rx, rxCapacity)
}

/// lrp_relevance_targets and lrp_relevance_targets_f32 (buffers of T).
private func relevanceTargets<T: Real>(_ function: StaticString, _ model: OpaquePointer?, _ r: UnsafePointer<T>?, _ targets: Int32,
                                       _ rCount: Int64, _ rule: UnsafePointer<CChar>?, _ parameter: Double,
                                       _ rx: UnsafeMutablePointer<T>?, _ rxCapacity: Int64) -> lrp_status {
    guarded(function, model: model) { handle in
        guard targets >= 1 else { throw LRPError.argument("targets must be ≥ 1, got \(targets)") }
        let output = try outputTrace(handle).output
        try checkCount(rCount, "r_count (per target)", fits: output)
        let (count, overflow) = rCount.multipliedReportingOverflow(by: Int64(targets))
        guard !overflow else { throw LRPError.argument("targets × r_count overflows") }
        let source = try required(r, "r")
        guard count >= 1 else { throw LRPError.shape("r has \(count) values") }
        guard let x = handle.pass.input else { throw LRPError.state("no forward pass yet: call lrp_forward first") }
        try checkCapacity(rxCapacity, x.count * Int(targets), "the relevance buffer (rx_capacity)")
        let out = try required(rx, "rx")
        let n = Int(rCount)
        let parts = try (0..<Int(targets)).map { k in
            try Tensor(shape: output.shape, converting: UnsafeBufferPointer(start: source + k * n, count: n), to: handle.model.precision)
        }
        let chosen = try rule.map { try Rule(nameOrSpec: String(cString: $0), parameter: parameter) }
        let results = try handle.model.explain(targets: parts, of: handle.pass, request: RelevanceRequest(rule: chosen))
        for (k, result) in results.enumerated() { copy(result.input, to: out + k * x.count) }
    }
}
