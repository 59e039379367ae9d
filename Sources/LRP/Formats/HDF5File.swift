import CHDF5
import Glibc
import Synchronization

/// Read-only access to an HDF5 file through libhdf5's C API: groups, string and numeric attributes, and
/// numeric datasets read as float64. Only what Keras model files need.
///
/// The serial libhdf5 is not thread-safe, so every access runs inside `HDF5File.read(path:_:)`, which holds
/// one process-wide lock while the file is open. HDF5's own error printing is switched off; failures become
/// `LRPError`s that name the object and carry libhdf5's innermost message.
final class HDF5File {
    /// The file's path (for messages).
    let path: String
    private let id: hid_t
    /// The file's size in bytes, which bounds how large a dataset can honestly be.
    private let size: Int

    private static let lock = Mutex(false)

    /// Opens `path`, runs `body` with the file while holding the HDF5 lock, and closes it.
    static func read<T>(path: String, _ body: (HDF5File) throws -> T) throws -> T {
        let size = try FileIO.size(path)
        return try lock.withLock { initialized in
            if !initialized {
                guard H5open() >= 0 else { throw LRPError.io("libhdf5 failed to initialize") }
                H5Eset_auto2(0, nil, nil)
                initialized = true
            }
            guard H5Fis_hdf5(path) > 0 else {
                throw LRPError.format("'\(path)' is not an HDF5 file (no HDF5 signature; truncated or a different format?)")
            }
            let id = H5Fopen(path, 0, 0)
            guard id >= 0 else { throw LRPError.format("'\(path)': libhdf5 cannot open it\(HDF5File.lastError())") }
            let file = HDF5File(path: path, id: id, size: size)
            defer { H5Fclose(id) }
            return try body(file)
        }
    }

    private init(path: String, id: hid_t, size: Int) {
        self.path = path
        self.id = id
        self.size = size
    }

    /// ": <libhdf5's innermost message>" for the error stack of the failed call, or "".
    static func lastError() -> String {
        var message = ""
        withUnsafeMutablePointer(to: &message) { pointer in
            _ = H5Ewalk2(0, H5E_WALK_UPWARD, { _, error, context in
                guard let error, let context, let description = error.pointee.desc else { return 0 }
                let text = String(cString: description)
                let target = context.assumingMemoryBound(to: String.self)
                if target.pointee.isEmpty, !text.isEmpty { target.pointee = text }
                return 0
            }, pointer)
        }
        H5Eclear2(0)
        return message.isEmpty ? "" : " (libhdf5: \(message))"
    }

    // MARK: Objects

    /// True when `path` (absolute within the file, e.g. "/model_weights/dense_1") names a group.
    func isGroup(_ path: String) -> Bool { objectType(path) == H5I_GROUP }

    /// True when `path` names a dataset.
    func isDataset(_ path: String) -> Bool { objectType(path) == H5I_DATASET }

    /// The type of the object at `path`, or nil when there is none (every link on the way is checked, as
    /// libhdf5 requires).
    private func objectType(_ path: String) -> H5I_type_t? {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            guard H5Lexists(id, prefix, 0) > 0 else { H5Eclear2(0); return nil }
        }
        let object = H5Oopen(id, path.isEmpty ? "/" : path, 0)
        guard object >= 0 else { H5Eclear2(0); return nil }
        defer { H5Oclose(object) }
        return H5Iget_type(object)
    }

    /// The names of the members of group `path`, in name order.
    func members(_ path: String) throws -> [String] {
        try withObject(path, "group") { group in
            var info = H5G_info_t()
            guard H5Gget_info(group, &info) >= 0 else { throw failure("cannot list group '\(path)'") }
            return try (0..<Int(info.nlinks)).map { i in
                let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), nil, 0, 0)
                guard length >= 0 else { throw failure("cannot read the name of member \(i) of group '\(path)'") }
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                guard H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), &buffer, buffer.count, 0) >= 0 else {
                    throw failure("cannot read the name of member \(i) of group '\(path)'")
                }
                return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }

    private func failure(_ message: String) -> LRPError {
        .format("\(message)\(HDF5File.lastError())")
    }

    /// Opens the object at `path` (which must exist) for `body`.
    private func withObject<T>(_ path: String, _ what: String, _ body: (hid_t) throws -> T) throws -> T {
        guard objectType(path) != nil else { throw LRPError.format("no \(what) '\(path)'") }
        let object = H5Oopen(id, path.isEmpty ? "/" : path, 0)
        guard object >= 0 else { throw failure("cannot open \(what) '\(path)'") }
        defer { H5Oclose(object) }
        return try body(object)
    }

    // MARK: Attributes

    /// True when the object at `path` has an attribute `name`.
    func hasAttribute(_ path: String, _ name: String) -> Bool {
        guard objectType(path) != nil else { return false }
        let result = (try? withObject(path, "object") { H5Aexists($0, name) > 0 }) ?? false
        H5Eclear2(0)
        return result
    }

    /// The strings of attribute `name` of the object at `path`: one for a scalar string, several for an
    /// array of strings; an empty numeric array (Keras writes `weight_names` of layers without weights
    /// that way) gives none. Keras splits long attributes into `name0`, `name1`, …; those are joined.
    func strings(_ path: String, _ name: String) throws -> [String] {
        if !hasAttribute(path, name), hasAttribute(path, name + "0") {
            var parts: [String] = [], chunk = 0
            while hasAttribute(path, "\(name)\(chunk)") {
                parts += try strings(path, "\(name)\(chunk)")
                chunk += 1
            }
            return parts
        }
        return try withObject(path, "object") { object in
            guard H5Aexists(object, name) > 0 else { throw LRPError.format("'\(path)' has no attribute '\(name)'") }
            let attribute = H5Aopen(object, name, 0)
            guard attribute >= 0 else { throw failure("cannot open attribute '\(name)' of '\(path)'") }
            defer { H5Aclose(attribute) }
            let type = H5Aget_type(attribute), space = H5Aget_space(attribute)
            defer { H5Tclose(type); H5Sclose(space) }
            let count = try elementCount(space, "attribute '\(name)' of '\(path)'")
            switch H5Tget_class(type) {
            case H5T_STRING:
                return try readStrings(attribute, type: type, space: space, count: count, what: "attribute '\(name)' of '\(path)'")
            case H5T_FLOAT, H5T_INTEGER where count == 0:
                return []
            default:
                throw LRPError.format("attribute '\(name)' of '\(path)' is not text")
            }
        }
    }

    /// The single string of attribute `name` (scalar or one-element array).
    func string(_ path: String, _ name: String) throws -> String {
        let values = try strings(path, name)
        guard values.count == 1, let value = values.first else {
            throw LRPError.format("attribute '\(name)' of '\(path)' holds \(values.count) strings, expected one")
        }
        return value
    }

    private func readStrings(_ attribute: hid_t, type: hid_t, space: hid_t, count: Int, what: String) throws -> [String] {
        guard count > 0 else { return [] }
        let memory = H5Tcopy(lrp_hdf5_c_string())
        defer { H5Tclose(memory) }
        // libhdf5 does not convert between character sets: read UTF-8 text as UTF-8.
        H5Tset_cset(memory, H5Tget_cset(type))
        if H5Tis_variable_str(type) > 0 {
            H5Tset_size(memory, -1)  // H5T_VARIABLE
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attribute, memory, &pointers) >= 0 else { throw failure("cannot read \(what)") }
            defer { _ = H5Dvlen_reclaim(memory, space, 0, &pointers) }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let width = H5Tget_size(type)
        guard width > 0, width < 1 << 24 else { throw failure("\(what) has an implausible string width \(width)") }
        H5Tset_size(memory, width)
        H5Tset_strpad(memory, H5Tget_strpad(type))
        var buffer = [UInt8](repeating: 0, count: count * width)
        guard H5Aread(attribute, memory, &buffer) >= 0 else { throw failure("cannot read \(what)") }
        return (0..<count).map { i in
            let slice = buffer[(i * width)..<((i + 1) * width)]
            let end = slice.firstIndex(of: 0) ?? slice.endIndex
            return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
        }
    }

    /// The number of elements of a simple or scalar dataspace.
    private func elementCount(_ space: hid_t, _ what: String) throws -> Int {
        try dimensions(space, what).reduce(1) { total, d in
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow else { throw LRPError.format("\(what) is impossibly large") }
            return product
        }
    }

    private func dimensions(_ space: hid_t, _ what: String) throws -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= 32 else { throw failure("\(what) has no simple shape") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard rank == 0 || H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { throw failure("cannot read the shape of \(what)") }
        return try dims.map { d in
            guard d <= hsize_t(Int.max) else { throw LRPError.format("\(what) is impossibly large") }
            return Int(d)
        }
    }

    // MARK: Datasets

    /// The numeric dataset at `path` as float64 (converted by libhdf5 from any integer or float type).
    func dataset(_ path: String) throws -> Tensor {
        try withObject(path, "dataset") { object in
            guard H5Iget_type(object) == H5I_DATASET else { throw LRPError.format("'\(path)' is not a dataset") }
            let what = "dataset '\(path)'"
            let type = H5Dget_type(object), space = H5Dget_space(object)
            defer { H5Tclose(type); H5Sclose(space) }
            let typeClass = H5Tget_class(type)
            guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
                throw LRPError.format("\(what) is not numeric")
            }
            let shape = try dimensions(space, what)
            let count = try elementCount(space, what)
            // Keras does not compress; even deflate cannot exceed about 1:1032, so a dataset that claims far
            // more values than the file could hold is corrupt.
            let (bytes, overflow) = count.multipliedReportingOverflow(by: 8)
            guard !overflow, bytes <= size * 1100 + (1 << 20) else {
                throw LRPError.format("\(what) claims \(Shape.describe(shape)) values, more than the \(size)-byte file can hold")
            }
            let tensor = try Tensor.uninitialized(shape)
            if count > 0 {
                guard H5Dread(object, lrp_hdf5_native_double(), 0, 0, 0, tensor.mutablePointer) >= 0 else {
                    throw failure("cannot read \(what)")
                }
            }
            return tensor
        }
    }
}
