import Glibc
import LRP

/// What an `lrp_model *` points to: the model and the traces its layers keep from their last passes.
///
/// A model is state (its parameters, presets and the last forward pass), so calls on one model are
/// serialized by its lock (`serialized`): from several threads they take turns and each sees a consistent
/// model. Distinct models run in parallel.
final class ModelHandle {
    var model: any Network
    var pass: ForwardPass
    private let lock = RecursiveLock()

    /// Runs `body` with this handle while holding its lock (recursive: a training callback may call
    /// functions on the same model from the thread that is training it).
    func serialized<T>(_ body: (ModelHandle) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(self)
    }

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
        tensor.withUnsafeBufferPointer(as: Double.self) { source in
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

/// A pthread mutex that the thread holding it may take again.
final class RecursiveLock {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}
