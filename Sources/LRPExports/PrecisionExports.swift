import CLRPHeader
import LRP

// The precision functions of include/lrp.h: which precision a model computes in, and converting it.

/// The precision for a caller's LRP_FLOAT64 / LRP_FLOAT32, or an argument error.
private func precision(_ value: Int32) throws -> Precision {
    guard let p = Precision(rawValue: value) else {
        throw LRPError.argument("precision must be LRP_FLOAT64 (0) or LRP_FLOAT32 (1), got \(value)")
    }
    return p
}

@_cdecl("lrp_model_precision")
public func lrp_model_precision(_ model: OpaquePointer?, _ out: UnsafeMutablePointer<Int32>?) -> lrp_status {
    guarded("lrp_model_precision", model: model) { handle in
        try required(out, "precision").pointee = handle.model.precision.rawValue
    }
}

@_cdecl("lrp_model_set_precision")
public func lrp_model_set_precision(_ model: OpaquePointer?, _ value: Int32) -> lrp_status {
    guarded("lrp_model_set_precision", model: model) { handle in
        let target = try precision(value)
        guard target != handle.model.precision else { return }
        let converted = try handle.model.copy(in: target)
        handle.model = converted
        handle.pass = ForwardPass(layers: converted.layerCount)
    }
}

@_cdecl("lrp_model_read_as")
public func lrp_model_read_as(_ path: UnsafePointer<CChar>?, _ format: UnsafePointer<CChar>?, _ value: Int32,
                              _ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    guarded("lrp_model_read_as") {
        let target = try precision(value)
        let path = try string(path, "path")
        let out = try required(out, "out")
        let model = try ModelFormats.read(path: path, format: optionalString(format), precision: target)
        out.pointee = ModelHandle(model).retainedPointer()
    }
}
