import CLRPHeader
import LRP

// Reading models of other frameworks (Keras, Caffe) and converting Caffe weights, from include/lrp.h.

@_cdecl("lrp_model_import")
public func lrp_model_import(_ path: UnsafePointer<CChar>?, _ companion: UnsafePointer<CChar>?,
                             _ format: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?,
                             _ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    guarded("lrp_model_import") {
        let path = try string(path, "path")
        let out = try required(out, "out")
        let parsed = try ImportOptions(parsing: optionalString(options))
        let model = try ModelFormats.read(path: path, format: optionalString(format), companion: optionalString(companion),
                                          options: parsed)
        out.pointee = ModelHandle(model).retainedPointer()
    }
}

@_cdecl("lrp_caffe_convert_weights")
public func lrp_caffe_convert_weights(_ caffemodel: UnsafePointer<CChar>?, _ prototxt: UnsafePointer<CChar>?,
                                      _ output: UnsafePointer<CChar>?) -> lrp_status {
    guarded("lrp_caffe_convert_weights") {
        try CaffeModelFormat.convertWeights(caffemodel: try string(caffemodel, "caffemodel"), prototxt: optionalString(prototxt),
                                            to: try string(output, "output"))
    }
}

@_cdecl("lrp_caffe_layers")
public func lrp_caffe_layers(_ prototxt: UnsafePointer<CChar>?, _ model: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?,
                             _ capacity: Int64, _ needed: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_caffe_layers", model: model) { handle in
        let needed = try required(needed, "needed")
        let numbering = try CaffeLayerNumbering(prototxt: try string(prototxt, "prototxt"))
        let names = (0..<handle.model.layerCount).map { handle.model.name(of: $0) }
        let made = numbering.modelLayers(names: names)
        let text = zip(numbering.layers, made).map { layer, index in "\(layer.name)\t\(layer.type)\t\(index)" }
            .joined(separator: "\n")
        try reportString(text, to: buffer, capacity: capacity, needed: needed, "the layer list")
    }
}

@_cdecl("lrp_caffe_input_shape")
public func lrp_caffe_input_shape(_ prototxt: UnsafePointer<CChar>?, _ rank: UnsafeMutablePointer<Int32>?,
                                  _ shape: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_caffe_input_shape") {
        let path = try string(prototxt, "prototxt")
        let rank = try required(rank, "rank")
        let shape = try required(shape, "shape")
        let numbering = try CaffeLayerNumbering(prototxt: path)
        guard let dims = numbering.inputShape, !dims.isEmpty else {
            throw LRPError.format("'\(path)' declares no input shape (no input_dim, input_shape or Input layer)")
        }
        guard dims.count <= Int(LRP_MAX_RANK) else { throw LRPError.unsupported("'\(path)': an input of rank \(dims.count)") }
        writeShape(dims, rank: rank, dims: shape)
    }
}
