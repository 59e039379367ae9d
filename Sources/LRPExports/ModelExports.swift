import CLRPHeader
import LRP

// The model functions of include/lrp.h. Each one checks its pointers, converts to Swift values, calls the
// core and converts back; nothing else happens here.

/// The library version, "MAJOR.MINOR.PATCH".
@_cdecl("lrp_version")
public func lrp_version() -> UnsafePointer<CChar>? {
    UnsafeRawPointer(("1.10.0" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The calling thread's last error message.
@_cdecl("lrp_last_error")
public func lrp_last_error() -> UnsafePointer<CChar>? {
    LastError.current
}

@_cdecl("lrp_model_read")
public func lrp_model_read(_ path: UnsafePointer<CChar>?, _ format: UnsafePointer<CChar>?,
                           _ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    guarded("lrp_model_read") {
        let path = try string(path, "path")
        let out = try required(out, "out")
        let model = try ModelFormats.read(path: path, format: optionalString(format))
        out.pointee = ModelHandle(model).retainedPointer()
    }
}

@_cdecl("lrp_model_write")
public func lrp_model_write(_ model: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                            _ format: UnsafePointer<CChar>?) -> lrp_status {
    guarded("lrp_model_write", model: model) { handle in
        try ModelFormats.write(handle.model, path: try string(path, "path"), format: optionalString(format))
    }
}

@_cdecl("lrp_model_free")
public func lrp_model_free(_ model: OpaquePointer?) {
    if let model { ModelHandle.release(model) }
}

@_cdecl("lrp_model_layer_count")
public func lrp_model_layer_count(_ model: OpaquePointer?) -> Int32 {
    (try? ModelHandle.from(model).serialized { Int32(clamping: $0.model.layerCount) }) ?? -1
}

@_cdecl("lrp_model_layer_describe")
public func lrp_model_layer_describe(_ model: OpaquePointer?, _ layer: Int32, _ buffer: UnsafeMutablePointer<CChar>?,
                                     _ capacity: Int64) -> lrp_status {
    guarded("lrp_model_layer_describe", model: model) { handle in
        let buffer = try required(buffer, "buf")
        let index = Int(layer)
        try handle.model.checkLayer(index)
        try copyString(handle.model.header(of: index), to: buffer, capacity: capacity, "the description")
    }
}

@_cdecl("lrp_model_output_shape")
public func lrp_model_output_shape(_ model: OpaquePointer?, _ rank: Int32, _ dims: UnsafePointer<Int64>?,
                                   _ outRank: UnsafeMutablePointer<Int32>?,
                                   _ outShape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_model_output_shape", model: model) { handle in
        let (input, _) = try shape(rank, dims, "input")
        let outRank = try required(outRank, "out_rank"), outShape = try required(outShape, "out_shape")
        writeShape(try handle.model.outputShape(for: input), rank: outRank, dims: outShape)
    }
}

@_cdecl("lrp_forward")
public func lrp_forward(_ model: OpaquePointer?, _ x: UnsafePointer<Double>?, _ rank: Int32,
                        _ dims: UnsafePointer<Int64>?, _ y: UnsafeMutablePointer<Double>?, _ yCapacity: Int64,
                        _ yRank: UnsafeMutablePointer<Int32>?, _ yShape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    forward("lrp_forward", model, x, rank, dims, y, yCapacity, yRank, yShape)
}

@_cdecl("lrp_forward_f32")
public func lrp_forward_f32(_ model: OpaquePointer?, _ x: UnsafePointer<Float>?, _ rank: Int32,
                            _ dims: UnsafePointer<Int64>?, _ y: UnsafeMutablePointer<Float>?, _ yCapacity: Int64,
                            _ yRank: UnsafeMutablePointer<Int32>?, _ yShape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    forward("lrp_forward_f32", model, x, rank, dims, y, yCapacity, yRank, yShape)
}

/// lrp_forward and lrp_forward_f32 (buffers of T).
private func forward<T: Real>(_ function: StaticString, _ model: OpaquePointer?, _ x: UnsafePointer<T>?, _ rank: Int32,
                              _ dims: UnsafePointer<Int64>?, _ y: UnsafeMutablePointer<T>?, _ yCapacity: Int64,
                              _ yRank: UnsafeMutablePointer<Int32>?, _ yShape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded(function, model: model) { handle in
        let batch = try input(x, rank, dims, precision: handle.model.precision)
        let out = try outputBuffers(y, yRank, yShape)
        try checkCapacity(yCapacity, try Shape.count(try handle.model.outputShape(for: batch.shape)), "the output buffer (y_capacity)")
        let pass = try handle.model.forward(batch)
        guard let output = pass.output else { throw LRPError.state("the model has no layers") }
        write(output, to: out, capacity: yCapacity)
        handle.pass = pass
    }
}

@_cdecl("lrp_relevance")
public func lrp_relevance(_ model: OpaquePointer?, _ r: UnsafePointer<Double>?, _ rCount: Int64,
                          _ rule: UnsafePointer<CChar>?, _ parameter: Double,
                          _ rx: UnsafeMutablePointer<Double>?, _ rxCapacity: Int64) -> lrp_status {
    relevance("lrp_relevance", model, r, rCount, rule, parameter, rx, rxCapacity)
}

@_cdecl("lrp_relevance_f32")
public func lrp_relevance_f32(_ model: OpaquePointer?, _ r: UnsafePointer<Float>?, _ rCount: Int64,
                              _ rule: UnsafePointer<CChar>?, _ parameter: Double,
                              _ rx: UnsafeMutablePointer<Float>?, _ rxCapacity: Int64) -> lrp_status {
    relevance("lrp_relevance_f32", model, r, rCount, rule, parameter, rx, rxCapacity)
}

/// lrp_relevance and lrp_relevance_f32 (buffers of T).
private func relevance<T: Real>(_ function: StaticString, _ model: OpaquePointer?, _ r: UnsafePointer<T>?, _ rCount: Int64,
                                _ rule: UnsafePointer<CChar>?, _ parameter: Double,
                                _ rx: UnsafeMutablePointer<T>?, _ rxCapacity: Int64) -> lrp_status {
    guarded(function, model: model) { handle in
        let (relevance, rx) = (try values(r, rCount, "r", precision: handle.model.precision), try required(rx, "rx"))
        guard let first = handle.pass.traces.first, let trace = first else {
            throw LRPError.state("no forward pass yet: call lrp_forward first")
        }
        if let last = handle.pass.traces[safe: handle.model.outputIndex], let output = last?.output { try checkCount(rCount, "r", fits: output) }
        try checkCapacity(rxCapacity, trace.input.count, "the relevance buffer (rx_capacity)")
        let chosen = try rule.map { try Rule(nameOrSpec: String(cString: $0), parameter: parameter) }
        let result = try handle.model.relevance(relevance, of: handle.pass, rule: chosen)
        copy(result, to: rx)
    }
}

@_cdecl("lrp_set_rule")
public func lrp_set_rule(_ model: OpaquePointer?, _ layer: Int32, _ rule: UnsafePointer<CChar>?,
                         _ parameter: Double) -> lrp_status {
    guarded("lrp_set_rule", model: model) { handle in
        let rule = try Rule(nameOrSpec: try string(rule, "rule"), parameter: parameter)
        if layer == -1 {
            try handle.model.setPreset(rule, layer: nil)
        } else {
            try handle.model.setPreset(rule, layer: Int(layer))
        }
    }
}

@_cdecl("lrp_get_rule")
public func lrp_get_rule(_ model: OpaquePointer?, _ layer: Int32, _ rule: UnsafeMutablePointer<CChar>?,
                         _ capacity: Int64, _ parameter: UnsafeMutablePointer<Double>?) -> lrp_status {
    guarded("lrp_get_rule", model: model) { handle in
        let buffer = try required(rule, "rule")
        let index = Int(layer)
        try handle.model.checkLayer(index)
        let preset = handle.model.presets[index]
        try copyString(preset.name, to: buffer, capacity: capacity, "the rule name")
        parameter?.pointee = preset.parameter
    }
}
