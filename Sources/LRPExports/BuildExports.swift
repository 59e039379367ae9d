import CLRPHeader
import LRP

// Building models and reaching their parameters, from include/lrp.h.

@_cdecl("lrp_model_new")
public func lrp_model_new(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    guarded("lrp_model_new") {
        try required(out, "out").pointee = ModelHandle(Sequential(layers: [])).retainedPointer()
    }
}

@_cdecl("lrp_model_append")
public func lrp_model_append(_ model: OpaquePointer?, _ layer: UnsafePointer<CChar>?, _ weights: UnsafePointer<Double>?,
                             _ weightCount: Int64, _ bias: UnsafePointer<Double>?, _ biasCount: Int64) -> lrp_status {
    guarded("lrp_model_append", model: model) { handle in
        let spec = try LayerSpec(header: try string(layer, "layer"))
        let made = try spec.make(try parameterArrays(spec, [(weights, weightCount), (bias, biasCount)])).converted(to: handle.model.precision)
        let source = handle.model.layerCount == 0 ? -1 : handle.model.outputIndex
        let updated = try Graph.appending(handle.model, name: nil, operation: .layer(made), inputs: [source])
        handle.model = updated
        handle.pass = ForwardPass(layers: updated.layerCount)
    }
}

/// A caller's parameter arrays for `spec` (weights, bias), checked against the counts the layer needs.
func parameterArrays(_ spec: LayerSpec, _ given: [(UnsafePointer<Double>?, Int64)]) throws -> [[Double]] {
    var arrays: [[Double]] = []
    for (index, (pointer, count)) in given.enumerated() where index < spec.parameterShapes.count {
        let name = spec.parameterShapes[index].name
        guard count == Int64(spec.parameterCounts[index]) else {
            throw LRPError.shape("\(spec.header) needs \(spec.parameterCounts[index]) values for \(name), got \(count)")
        }
        let p = try required(pointer, name == "W" ? "weights" : "bias")
        arrays.append(Array(UnsafeBufferPointer(start: p, count: Int(count))))
    }
    return arrays
}

@_cdecl("lrp_model_copy")
public func lrp_model_copy(_ model: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    guarded("lrp_model_copy", model: model) { handle in
        let out = try required(out, "out")
        out.pointee = ModelHandle(try handle.model.deepCopyNetwork()).retainedPointer()
    }
}

/// Parameter `name` of layer `layer`.
private func parameter(_ handle: ModelHandle, _ layer: Int32, _ name: UnsafePointer<CChar>?) throws -> Tensor {
    let index = Int(layer)
    try handle.model.checkLayer(index)
    let key = try string(name, "name")
    let names = handle.model.parameterNames(of: index)
    guard let position = names.firstIndex(of: key) else {
        let known = names.isEmpty ? "it has none" : "it has " + names.joined(separator: ", ")
        throw LRPError.argument("layer \(index) (\(handle.model.header(of: index))) has no parameter '\(key)' (\(known))")
    }
    return handle.model.parameters(of: index)[position]
}

@_cdecl("lrp_layer_parameter")
public func lrp_layer_parameter(_ model: OpaquePointer?, _ layer: Int32, _ name: UnsafePointer<CChar>?,
                                _ data: UnsafeMutablePointer<UnsafeMutablePointer<Double>?>?,
                                _ rank: UnsafeMutablePointer<Int32>?, _ dims: UnsafeMutablePointer<Int64>?) -> lrp_status {
    layerParameter("lrp_layer_parameter", model, layer, name, data, rank, dims)
}

@_cdecl("lrp_layer_parameter_f32")
public func lrp_layer_parameter_f32(_ model: OpaquePointer?, _ layer: Int32, _ name: UnsafePointer<CChar>?,
                                    _ data: UnsafeMutablePointer<UnsafeMutablePointer<Float>?>?,
                                    _ rank: UnsafeMutablePointer<Int32>?, _ dims: UnsafeMutablePointer<Int64>?) -> lrp_status {
    layerParameter("lrp_layer_parameter_f32", model, layer, name, data, rank, dims)
}

/// lrp_layer_parameter and lrp_layer_parameter_f32: the storage itself, so only for a model of T's precision.
private func layerParameter<T: Real>(_ function: StaticString, _ model: OpaquePointer?, _ layer: Int32, _ name: UnsafePointer<CChar>?,
                                     _ data: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?,
                                     _ rank: UnsafeMutablePointer<Int32>?, _ dims: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded(function, model: model) { handle in
        let (data, rank, dims) = (try required(data, "data"), try required(rank, "rank"), try required(dims, "shape"))
        let tensor = try parameter(handle, layer, name)
        guard tensor.precision == T.precision else {
            let other = T.precision == .float64 ? "lrp_layer_parameter_f32" : "lrp_layer_parameter"
            throw LRPError.argument("the model is \(tensor.precision): its parameters are reached with \(other)")
        }
        data.pointee = tensor.unsafeStorageAddress.assumingMemoryBound(to: T.self)
        writeShape(tensor.shape, rank: rank, dims: dims)
    }
}

@_cdecl("lrp_layer_set_parameter")
public func lrp_layer_set_parameter(_ model: OpaquePointer?, _ layer: Int32, _ name: UnsafePointer<CChar>?,
                                    _ data: UnsafePointer<Double>?, _ count: Int64) -> lrp_status {
    guarded("lrp_layer_set_parameter", model: model) { handle in
        let data = try required(data, "data")
        let tensor = try parameter(handle, layer, name)
        guard count == Int64(tensor.count) else {
            throw LRPError.shape("parameter \(try string(name, "name")) of layer \(layer) has \(tensor.count) values (\(Shape.describe(tensor.shape))), got \(count)")
        }
        func store<T: Real>(_: T.Type) throws {
            try tensor.withUnsafeMutableStorage(as: T.self) { storage in
                for i in storage.indices { storage[i] = T(data[i]) }
            }
        }
        try tensor.precision.select(store(Double.self), store(Float.self))
    }
}

@_cdecl("lrp_layer_kinds")
public func lrp_layer_kinds(_ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64,
                            _ needed: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_layer_kinds") {
        let needed = try required(needed, "needed")
        let text = LayerKind.allCases.map { kind in
            let flags = (kind.isToolbox ? ["toolbox"] : []) + (kind.isMerge ? ["merge"] : [])
            return "\(kind.name)\t\(kind.form)\t\(flags.joined(separator: ","))"
        }.joined(separator: "\n")
        try reportString(text, to: buffer, capacity: capacity, needed: needed, "the kind list")
    }
}
