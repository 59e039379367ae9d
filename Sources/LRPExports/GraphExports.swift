import CLRPHeader
import LRP

// The structure of models (names, inputs, output, input shape) and building graphs, from include/lrp.h.

@_cdecl("lrp_model_add_node")
public func lrp_model_add_node(_ model: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ layer: UnsafePointer<CChar>?,
                               _ inputs: UnsafePointer<Int32>?, _ inputCount: Int32,
                               _ weights: UnsafePointer<Double>?, _ weightCount: Int64,
                               _ bias: UnsafePointer<Double>?, _ biasCount: Int64) -> lrp_status {
    guarded("lrp_model_add_node", model: model) { handle in
        let spec = try LayerSpec(header: try string(layer, "layer"))
        guard inputCount >= 1, inputCount <= 1 << 16 else { throw LRPError.argument("input_count must be ≥ 1, got \(inputCount)") }
        let list = try required(inputs, "inputs")
        let sources = (0..<Int(inputCount)).map { Int(list[$0]) }
        let arrays = try parameterArrays(spec, [(weights, weightCount), (bias, biasCount)])
        var operation = try spec.makeNode(arrays)
        if case .layer(let made) = operation { operation = .layer(try made.converted(to: handle.model.precision)) }
        let updated = try Graph.appending(handle.model, name: optionalString(name), operation: operation, inputs: sources)
        handle.model = updated
        handle.pass = ForwardPass(layers: updated.layerCount)
    }
}

@_cdecl("lrp_model_layer_name")
public func lrp_model_layer_name(_ model: OpaquePointer?, _ layer: Int32, _ buffer: UnsafeMutablePointer<CChar>?,
                                 _ capacity: Int64) -> lrp_status {
    guarded("lrp_model_layer_name", model: model) { handle in
        let buffer = try required(buffer, "buf")
        try handle.model.checkLayer(Int(layer))
        try copyString(handle.model.name(of: Int(layer)), to: buffer, capacity: capacity, "the name")
    }
}

@_cdecl("lrp_model_layer_inputs")
public func lrp_model_layer_inputs(_ model: OpaquePointer?, _ layer: Int32, _ inputs: UnsafeMutablePointer<Int32>?,
                                   _ capacity: Int32, _ count: UnsafeMutablePointer<Int32>?) -> lrp_status {
    guarded("lrp_model_layer_inputs", model: model) { handle in
        let count = try required(count, "count")
        try handle.model.checkLayer(Int(layer))
        let sources = handle.model.inputs(of: Int(layer))
        guard Int(capacity) >= sources.count else {
            throw LRPError.shape("layer \(layer) reads \(sources.count) inputs, the buffer holds \(capacity)")
        }
        let buffer = try required(inputs, "inputs")
        for (i, s) in sources.enumerated() { buffer[i] = Int32(s) }
        count.pointee = Int32(sources.count)
    }
}

@_cdecl("lrp_model_output_layer")
public func lrp_model_output_layer(_ model: OpaquePointer?) -> Int32 {
    (try? ModelHandle.from(model).serialized { $0.model.layerCount > 0 ? Int32(clamping: $0.model.outputIndex) : -1 }) ?? -1
}

@_cdecl("lrp_model_input_shape")
public func lrp_model_input_shape(_ model: OpaquePointer?, _ rank: UnsafeMutablePointer<Int32>?,
                                  _ shape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_model_input_shape", model: model) { handle in
        let rank = try required(rank, "rank"), shape = try required(shape, "shape")
        writeShape(handle.model.inputShape ?? [], rank: rank, dims: shape)
    }
}
