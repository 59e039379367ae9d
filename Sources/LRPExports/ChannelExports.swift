import CLRPHeader
import LRP

// Neurons and channels of a layer from include/lrp.h: channel statistics, conditional relevance, ablation.

/// The relevance of the stored pass's output and the rule of a relevance call, checked.
private func relevanceArguments(_ handle: ModelHandle, _ r: UnsafePointer<Double>?, _ rCount: Int64,
                                _ rule: UnsafePointer<CChar>?, _ parameter: Double) throws -> (Tensor, Rule?) {
    guard let trace = handle.pass.traces[safe: handle.model.outputIndex] ?? nil else {
        throw LRPError.state("no forward pass yet: call lrp_forward first")
    }
    try checkCount(rCount, "r", fits: trace.output)
    let relevance = try values(r, rCount, "r", precision: handle.model.precision)
    return (relevance, try rule.map { try Rule(nameOrSpec: String(cString: $0), parameter: parameter) })
}

/// `count` int32 values of a caller's array as Ints (none for count 0).
private func ints(_ pointer: UnsafePointer<Int32>?, _ count: Int, _ name: String) throws -> [Int] {
    guard count > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: try required(pointer, name), count: count)).map(Int.init)
}

@_cdecl("lrp_channel_statistics")
public func lrp_channel_statistics(_ model: OpaquePointer?, _ r: UnsafePointer<Double>?, _ rCount: Int64,
                                   _ rule: UnsafePointer<CChar>?, _ parameter: Double, _ layer: Int32,
                                   _ positive: UnsafeMutablePointer<Double>?, _ negative: UnsafeMutablePointer<Double>?,
                                   _ activation: UnsafeMutablePointer<Double>?, _ count: Int64) -> lrp_status {
    guarded("lrp_channel_statistics", model: model) { handle in
        let (relevance, chosen) = try relevanceArguments(handle, r, rCount, rule, parameter)
        try handle.model.checkLayer(Int(layer))
        let stats = try handle.model.channelStatistics(relevance, of: handle.pass, layer: Int(layer), rule: chosen)
        guard count == Int64(stats.positive.count) else {
            throw LRPError.shape("count is \(count); N×channels of layer \(layer) is \(Shape.describe(stats.positive.shape))")
        }
        if let positive { copy(stats.positive, to: positive) }
        if let negative { copy(stats.negative, to: negative) }
        if let activation { copy(stats.activation, to: activation) }
    }
}

@_cdecl("lrp_relevance_conditional")
public func lrp_relevance_conditional(_ model: OpaquePointer?, _ r: UnsafePointer<Double>?, _ rCount: Int64,
                                      _ rule: UnsafePointer<CChar>?, _ parameter: Double, _ layer: Int32,
                                      _ channels: UnsafePointer<Int32>?, _ setSizes: UnsafePointer<Int32>?, _ sets: Int32,
                                      _ out: UnsafeMutablePointer<Double>?, _ outCount: Int64) -> lrp_status {
    guarded("lrp_relevance_conditional", model: model) { handle in
        let (relevance, chosen) = try relevanceArguments(handle, r, rCount, rule, parameter)
        try handle.model.checkLayer(Int(layer))
        guard sets >= 1, sets <= 1 << 16 else { throw LRPError.argument("sets is \(sets); give 1 to 65536 channel sets") }
        let sizes = try ints(setSizes, Int(sets), "set_sizes")
        guard sizes.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }) else { throw LRPError.argument("set_sizes must be ≥ 0") }
        let flat = try ints(channels, sizes.reduce(0, +), "channels")
        var channelSets: [[Int]] = []
        var offset = 0
        for size in sizes {
            channelSets.append(Array(flat[offset..<(offset + size)]))
            offset += size
        }
        guard let input = handle.pass.input else { throw LRPError.state("no full forward pass yet: call lrp_forward first") }
        try checkCapacity(outCount, channelSets.count * input.count, "out (out_count)")
        let destination = try required(out, "out")
        let heatmaps = try handle.model.conditionalRelevance(relevance, of: handle.pass, layer: Int(layer),
                                                            channelSets: channelSets, rule: chosen)
        for (k, map) in heatmaps.enumerated() { copy(map, to: destination + k * input.count) }
    }
}

@_cdecl("lrp_forward_ablated")
public func lrp_forward_ablated(_ model: OpaquePointer?, _ x: UnsafePointer<Double>?, _ rank: Int32, _ dims: UnsafePointer<Int64>?,
                                _ layers: UnsafePointer<Int32>?, _ channelCounts: UnsafePointer<Int32>?,
                                _ channels: UnsafePointer<Int32>?, _ layerCount: Int32, _ y: UnsafeMutablePointer<Double>?,
                                _ yCapacity: Int64, _ yRank: UnsafeMutablePointer<Int32>?,
                                _ yShape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_forward_ablated", model: model) { handle in
        let batch = try input(x, rank, dims, precision: handle.model.precision)
        guard layerCount >= 0, layerCount <= 1 << 16 else { throw LRPError.argument("layer_count is \(layerCount)") }
        let which = try ints(layers, Int(layerCount), "layers")
        let counts = try ints(channelCounts, Int(layerCount), "channel_counts")
        guard counts.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }) else { throw LRPError.argument("channel_counts must be ≥ 0") }
        let flat = try ints(channels, counts.reduce(0, +), "channels")
        var ablation: [Int: [Int]] = [:]
        var offset = 0
        for (layer, count) in zip(which, counts) {
            ablation[layer, default: []] += flat[offset..<(offset + count)]
            offset += count
        }
        let out = try outputBuffers(y, yRank, yShape)
        try checkCapacity(yCapacity, try Shape.count(try handle.model.outputShape(for: batch.shape)), "the output buffer (y_capacity)")
        let pass = try handle.model.forward(batch, ablating: ablation)
        guard let output = pass.output else { throw LRPError.state("the model has no layers") }
        write(output, to: out, capacity: yCapacity)
    }
}
