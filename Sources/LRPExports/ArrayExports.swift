import CLRPHeader
import LRP

// The array-file functions of include/lrp.h.

@_cdecl("lrp_array_read")
public func lrp_array_read(_ path: UnsafePointer<CChar>?, _ format: UnsafePointer<CChar>?,
                           _ key: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> lrp_status {
    guarded("lrp_array_read") {
        let path = try string(path, "path")
        let out = try required(out, "out")
        let array = try ArrayFormats.read(path: path, format: optionalString(format), key: optionalString(key))
        out.pointee = ArrayHandle(array).retainedPointer()
    }
}

@_cdecl("lrp_array_write")
public func lrp_array_write(_ path: UnsafePointer<CChar>?, _ format: UnsafePointer<CChar>?,
                            _ data: UnsafePointer<Double>?, _ rank: Int32, _ dims: UnsafePointer<Int64>?) -> lrp_status {
    guarded("lrp_array_write") {
        let path = try string(path, "path")
        let data = try required(data, "data")
        let (arrayShape, count) = try shape(rank, dims, "array")
        let array = try Tensor(shape: arrayShape, copying: UnsafeBufferPointer(start: data, count: count))
        try ArrayFormats.write(array, path: path, format: optionalString(format))
    }
}

@_cdecl("lrp_array_keys")
public func lrp_array_keys(_ path: UnsafePointer<CChar>?, _ format: UnsafePointer<CChar>?,
                           _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64,
                           _ needed: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_array_keys") {
        let path = try string(path, "path")
        let needed = try required(needed, "needed")
        let keys = try ArrayFormats.keys(path: path, format: optionalString(format))
        try reportString(keys.joined(separator: "\n"), to: buffer, capacity: capacity, needed: needed, "the key list")
    }
}

@_cdecl("lrp_array_free")
public func lrp_array_free(_ array: OpaquePointer?) {
    if let array { ArrayHandle.release(array) }
}

@_cdecl("lrp_array_rank")
public func lrp_array_rank(_ array: OpaquePointer?) -> Int32 {
    ArrayHandle.from(array)?.rank ?? -1
}

@_cdecl("lrp_array_shape")
public func lrp_array_shape(_ array: OpaquePointer?) -> UnsafePointer<Int64>? {
    ArrayHandle.from(array).map { UnsafePointer($0.shape) }
}

@_cdecl("lrp_array_count")
public func lrp_array_count(_ array: OpaquePointer?) -> Int64 {
    ArrayHandle.from(array)?.count ?? -1
}

@_cdecl("lrp_array_data")
public func lrp_array_data(_ array: OpaquePointer?) -> UnsafePointer<Double>? {
    ArrayHandle.from(array).map { UnsafePointer($0.data) }
}
