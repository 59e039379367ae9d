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
