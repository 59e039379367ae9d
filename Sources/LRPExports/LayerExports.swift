import CLRPHeader
import LRP

// One layer at a time, and the training functions, of include/lrp.h.

/// The trace of layer `layer`, or a state error.
private func trace(_ handle: ModelHandle, _ layer: Int) throws -> LayerTrace {
    try handle.model.checkLayer(layer)
    guard let t = handle.pass.traces[layer] else {
        throw LRPError.state("layer \(layer) (\(handle.model.header(of: layer))) has no forward pass yet")
    }
    return t
}

@_cdecl("lrp_layer_forward")
public func lrp_layer_forward(_ model: OpaquePointer?, _ layer: Int32, _ x: UnsafePointer<Double>?, _ rank: Int32,
                              _ dims: UnsafePointer<Int64>?, _ y: UnsafeMutablePointer<Double>?, _ yCapacity: Int64,
                              _ yRank: UnsafeMutablePointer<Int32>?, _ yShape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    layerForward("lrp_layer_forward", model, layer, x, rank, dims, y, yCapacity, yRank, yShape)
}

@_cdecl("lrp_layer_forward_f32")
public func lrp_layer_forward_f32(_ model: OpaquePointer?, _ layer: Int32, _ x: UnsafePointer<Float>?, _ rank: Int32,
                                  _ dims: UnsafePointer<Int64>?, _ y: UnsafeMutablePointer<Float>?, _ yCapacity: Int64,
                                  _ yRank: UnsafeMutablePointer<Int32>?, _ yShape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    layerForward("lrp_layer_forward_f32", model, layer, x, rank, dims, y, yCapacity, yRank, yShape)
}

/// lrp_layer_forward and lrp_layer_forward_f32 (buffers of T).
private func layerForward<T: Real>(_ function: StaticString, _ model: OpaquePointer?, _ layer: Int32, _ x: UnsafePointer<T>?,
                                   _ rank: Int32, _ dims: UnsafePointer<Int64>?, _ y: UnsafeMutablePointer<T>?, _ yCapacity: Int64,
                                   _ yRank: UnsafeMutablePointer<Int32>?, _ yShape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded(function, model: model) { handle in
        let index = Int(layer)
        try handle.model.checkLayer(index)
        let batch = try input(x, rank, dims, precision: handle.model.precision)
        let out = try outputBuffers(y, yRank, yShape)
        let outputShape = try handle.model.outputShape(for: batch.shape, layer: index)
        try checkCapacity(yCapacity, try Shape.count(outputShape), "the output buffer (y_capacity)")
        let t = try handle.model.forward(batch, layer: index)
        write(t.output, to: out, capacity: yCapacity)
        handle.pass.traces[index] = t
    }
}

@_cdecl("lrp_layer_output_shape")
public func lrp_layer_output_shape(_ model: OpaquePointer?, _ layer: Int32, _ rank: Int32, _ dims: UnsafePointer<Int64>?,
                                   _ outRank: UnsafeMutablePointer<Int32>?, _ outShape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_layer_output_shape", model: model) { handle in
        let index = Int(layer)
        let (input, _) = try shape(rank, dims, "input")
        let (outRank, outShape) = (try required(outRank, "out_rank"), try required(outShape, "out_shape"))
        writeShape(try handle.model.outputShape(for: input, layer: index), rank: outRank, dims: outShape)
    }
}

@_cdecl("lrp_layer_relevance")
public func lrp_layer_relevance(_ model: OpaquePointer?, _ layer: Int32, _ r: UnsafePointer<Double>?, _ rCount: Int64,
                                _ rule: UnsafePointer<CChar>?, _ parameter: Double,
                                _ rx: UnsafeMutablePointer<Double>?, _ rxCapacity: Int64) -> lrp_status {
    layerRelevance("lrp_layer_relevance", model, layer, r, rCount, rule, parameter, rx, rxCapacity)
}

@_cdecl("lrp_layer_relevance_f32")
public func lrp_layer_relevance_f32(_ model: OpaquePointer?, _ layer: Int32, _ r: UnsafePointer<Float>?, _ rCount: Int64,
                                    _ rule: UnsafePointer<CChar>?, _ parameter: Double,
                                    _ rx: UnsafeMutablePointer<Float>?, _ rxCapacity: Int64) -> lrp_status {
    layerRelevance("lrp_layer_relevance_f32", model, layer, r, rCount, rule, parameter, rx, rxCapacity)
}

/// lrp_layer_relevance and lrp_layer_relevance_f32 (buffers of T).
private func layerRelevance<T: Real>(_ function: StaticString, _ model: OpaquePointer?, _ layer: Int32, _ r: UnsafePointer<T>?,
                                     _ rCount: Int64, _ rule: UnsafePointer<CChar>?, _ parameter: Double,
                                     _ rx: UnsafeMutablePointer<T>?, _ rxCapacity: Int64) -> lrp_status {
    guarded(function, model: model) { handle in
        let (relevance, rx) = (try values(r, rCount, "r", precision: handle.model.precision), try required(rx, "rx"))
        let t = try trace(handle, Int(layer))
        try checkCount(rCount, "r", fits: t.output)
        try checkCapacity(rxCapacity, t.input.count, "the relevance buffer (rx_capacity)")
        let chosen = try rule.map { try Rule(nameOrSpec: String(cString: $0), parameter: parameter) }
        copy(try handle.model.relevance(relevance, layer: Int(layer), trace: t, rule: chosen), to: rx)
    }
}

@_cdecl("lrp_layer_trace_shape")
public func lrp_layer_trace_shape(_ model: OpaquePointer?, _ layer: Int32, _ which: Int32,
                                  _ rank: UnsafeMutablePointer<Int32>?, _ dims: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_layer_trace_shape", model: model) { handle in
        let (rank, dims) = (try required(rank, "rank"), try required(dims, "shape"))
        guard which == 0 || which == 1 else { throw LRPError.argument("which must be 0 (input) or 1 (output), got \(which)") }
        let t = try trace(handle, Int(layer))
        writeShape(which == 0 ? t.input.shape : t.output.shape, rank: rank, dims: dims)
    }
}

@_cdecl("lrp_layer_trace")
public func lrp_layer_trace(_ model: OpaquePointer?, _ layer: Int32, _ which: Int32,
                            _ out: UnsafeMutablePointer<Double>?, _ capacity: Int64) -> lrp_status {
    layerTrace("lrp_layer_trace", model, layer, which, out, capacity)
}

@_cdecl("lrp_layer_trace_f32")
public func lrp_layer_trace_f32(_ model: OpaquePointer?, _ layer: Int32, _ which: Int32,
                                _ out: UnsafeMutablePointer<Float>?, _ capacity: Int64) -> lrp_status {
    layerTrace("lrp_layer_trace_f32", model, layer, which, out, capacity)
}

/// lrp_layer_trace and lrp_layer_trace_f32: the values of a trace's input or output, converted to T.
private func layerTrace<T: Real>(_ function: StaticString, _ model: OpaquePointer?, _ layer: Int32, _ which: Int32,
                                 _ out: UnsafeMutablePointer<T>?, _ capacity: Int64) -> lrp_status {
    guarded(function, model: model) { handle in
        let out = try required(out, "out")
        guard which == 0 || which == 1 else { throw LRPError.argument("which must be 0 (input) or 1 (output), got \(which)") }
        let t = try trace(handle, Int(layer))
        let kept = which == 0 ? t.input : t.output
        try checkCapacity(capacity, kept.count, "the trace buffer (capacity)")
        copy(try kept.converted(to: T.precision), to: out)
    }
}

@_cdecl("lrp_backward")
public func lrp_backward(_ model: OpaquePointer?, _ dy: UnsafePointer<Double>?, _ dyCount: Int64,
                         _ dx: UnsafeMutablePointer<Double>?, _ dxCapacity: Int64) -> lrp_status {
    guarded("lrp_backward", model: model) { handle in
        let (gradient, dx) = (try values(dy, dyCount, "dy"), try required(dx, "dx"))
        guard let first = handle.pass.traces.first, let t = first else {
            throw LRPError.state("no forward pass yet: call lrp_forward first")
        }
        if let last = handle.pass.traces.last, let output = last?.output { try checkCount(dyCount, "dy", fits: output) }
        try checkCapacity(dxCapacity, t.input.count, "the gradient buffer (dx_capacity)")
        var pass = handle.pass
        let result = try handle.model.backward(gradient, pass: &pass)
        copy(result, to: dx)
        handle.pass = pass
    }
}

@_cdecl("lrp_layer_backward")
public func lrp_layer_backward(_ model: OpaquePointer?, _ layer: Int32, _ dy: UnsafePointer<Double>?, _ dyCount: Int64,
                               _ dx: UnsafeMutablePointer<Double>?, _ dxCapacity: Int64) -> lrp_status {
    guarded("lrp_layer_backward", model: model) { handle in
        let (gradient, dx) = (try values(dy, dyCount, "dy"), try required(dx, "dx"))
        var t = try trace(handle, Int(layer))
        try checkCount(dyCount, "dy", fits: t.output)
        try checkCapacity(dxCapacity, t.input.count, "the gradient buffer (dx_capacity)")
        let result = try handle.model.backward(gradient, layer: Int(layer), trace: &t)
        copy(result, to: dx)
        handle.pass.traces[Int(layer)] = t
    }
}

@_cdecl("lrp_update")
public func lrp_update(_ model: OpaquePointer?, _ layer: Int32, _ learningRate: Double) -> lrp_status {
    guarded("lrp_update", model: model) { handle in
        if layer == -1 {
            try handle.model.update(handle.pass, learningRate: learningRate)
        } else {
            try handle.model.update(layer: Int(layer), trace: try trace(handle, Int(layer)), learningRate: learningRate)
        }
    }
}

@_cdecl("lrp_model_clean")
public func lrp_model_clean(_ model: OpaquePointer?) -> lrp_status {
    guarded("lrp_model_clean", model: model) { handle in
        handle.pass = ForwardPass(layers: handle.model.layerCount)
    }
}
