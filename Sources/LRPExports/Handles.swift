import LRP

/// What an `lrp_model *` points to: the model and the traces its layers keep from their last passes.
final class ModelHandle {
    var model: any Network
    var pass: ForwardPass

    init(_ model: any Network) {
        self.model = model
        pass = ForwardPass(layers: model.layerCount)
    }

    /// A retained opaque pointer for C.
    func retainedPointer() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    /// The handle behind a caller's pointer (NULL → argument error).
    static func from(_ pointer: OpaquePointer?) throws -> ModelHandle {
        let p = try required(pointer, "model")
        return Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    }

    /// Releases the handle behind a pointer (the matching free).
    static func release(_ pointer: OpaquePointer) {
        Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}

/// What an `lrp_array *` points to: a shape and elements at stable addresses.
final class ArrayHandle {
    let rank: Int32
    let count: Int64
    let shape: UnsafeMutablePointer<Int64>
    let data: UnsafeMutablePointer<Double>

    init(_ tensor: Tensor) {
        rank = Int32(tensor.rank)
        count = Int64(tensor.count)
        shape = .allocate(capacity: Swift.max(1, tensor.rank))
        for (i, d) in tensor.shape.enumerated() { shape[i] = Int64(d) }
        data = .allocate(capacity: Swift.max(1, tensor.count))
        tensor.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { data.initialize(from: base, count: source.count) }
        }
    }

    deinit {
        shape.deallocate()
        data.deallocate()
    }

    func retainedPointer() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    /// The handle behind a caller's pointer, or nil for NULL.
    static func from(_ pointer: OpaquePointer?) -> ArrayHandle? {
        pointer.map { Unmanaged<ArrayHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }

    static func release(_ pointer: OpaquePointer) {
        Unmanaged<ArrayHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}
