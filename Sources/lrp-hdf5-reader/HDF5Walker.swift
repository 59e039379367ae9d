import CHDF5
import Glibc
import HDF5Snapshot

/// Walks an HDF5 file with libhdf5 from the root and streams what it finds as an `HDF5Snapshot`: every group
/// with its members, every attribute (text, or the count of numeric elements), every dataset (float64 values
/// when numeric).
///
/// Nothing outside the file is ever touched: external links, soft links (and so their loops), objects
/// reached by two paths (hard-link cycles), datasets with external raw storage and virtual datasets are
/// refused with an error naming the object, before anything is read through them; filter plugins are never
/// loaded.
struct HDF5Walker {
    /// The failure that ends the walk, with a message naming the object.
    struct Failure: Error {
        let message: String
        /// True when the helper's memory limit, not the file's content, is the reason.
        var overLimit = false
    }

    /// Objects at most (a Keras file has a few per layer).
    static let maxObjects = 1_000_000
    /// Group nesting at most.
    static let maxDepth = 64

    private let file: hid_t
    private let emit: (inout HDF5Snapshot.Encoder) -> Void
    private var encoder = HDF5Snapshot.Encoder()
    private var visited: Set<haddr_t> = []
    /// Bytes of dataset values still allowed (the helper's memory limit, shared by all datasets).
    private var budget: Int

    /// Opens `path` (which must be a regular file with the HDF5 signature); returns the file and its size.
    static func open(_ path: String) throws(Failure) -> (file: hid_t, size: Int) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Failure(message: "cannot open it: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw Failure(message: "not a regular file") }
        guard H5open() >= 0 else { throw Failure(message: "libhdf5 failed to initialize") }
        H5Eset_auto2(0, nil, nil)
        // Filter plugins are shared libraries found through HDF5_PLUGIN_PATH: never load one.
        H5PLset_loading_state(0)
        guard H5Fis_hdf5(path) > 0 else {
            throw Failure(message: "not an HDF5 file (no HDF5 signature; truncated or a different format?)")
        }
        let id = H5Fopen(path, 0, 0)
        guard id >= 0 else { throw Failure(message: "libhdf5 cannot open it\(lastError())") }
        return (id, Int(info.st_size))
    }

    /// The file's size in bytes: even deflate cannot make a dataset much larger than about 1032 times it.
    private let fileSize: Int

    /// A walker of the open file `file` (of `fileSize` bytes) that hands each record's bytes to `emit`;
    /// datasets may use `budget` bytes of float64 values in all.
    init(file: hid_t, fileSize: Int, budget: Int, emit: @escaping (inout HDF5Snapshot.Encoder) -> Void) {
        self.file = file
        self.fileSize = fileSize
        self.budget = budget
        self.emit = emit
    }

    /// Walks the whole file and writes the end record.
    mutating func walk() throws(Failure) {
        let root = H5Gopen2(file, "/", 0)
        guard root >= 0 else { throw Failure(message: "cannot open the root group\(Self.lastError())") }
        defer { H5Gclose(root) }
        try markVisited(root, "/")
        try group(root, path: "/", depth: 0)
        encoder.end()
        emit(&encoder)
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

    private func failure(_ message: String) -> Failure { Failure(message: message + Self.lastError()) }

    private mutating func markVisited(_ object: hid_t, _ path: String) throws(Failure) {
        var info = H5O_info_t()
        guard H5Oget_info2(object, &info, UInt32(H5O_INFO_BASIC)) >= 0 else { throw failure("cannot inspect '\(path)'") }
        guard visited.insert(info.addr).inserted else {
            throw Failure(message: "'\(path)' is an object already reached by another path (a hard-link cycle or a shared object); refused")
        }
        guard visited.count <= Self.maxObjects else { throw Failure(message: "more than \(Self.maxObjects) objects") }
    }

    private static func childPath(_ parent: String, _ name: String) -> String {
        parent == "/" ? "/" + name : parent + "/" + name
    }

    private mutating func group(_ group: hid_t, path: String, depth: Int) throws(Failure) {
        guard depth < Self.maxDepth else { throw Failure(message: "groups nested deeper than \(Self.maxDepth) at '\(path)'") }
        var info = H5G_info_t()
        guard H5Gget_info(group, &info) >= 0 else { throw failure("cannot list group '\(path)'") }
        guard info.nlinks <= hsize_t(Self.maxObjects) else { throw Failure(message: "group '\(path)' has \(info.nlinks) members") }
        var names: [String] = []
        for i in 0..<hsize_t(info.nlinks) {
            let name = try linkName(group, i, path)
            var link = H5L_info_t()
            guard H5Lget_info_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, &link, 0) >= 0 else {
                throw failure("cannot inspect member '\(name)' of group '\(path)'")
            }
            let child = Self.childPath(path, name)
            switch link.type {
            case H5L_TYPE_HARD: break
            case H5L_TYPE_SOFT: throw Failure(message: "'\(child)' is a soft link; liblrp does not follow links (refused)")
            case H5L_TYPE_EXTERNAL: throw Failure(message: "'\(child)' is an external link to another file; refused")
            default: throw Failure(message: "'\(child)' is a user-defined link; refused")
            }
            names.append(name)
        }
        encoder.group(path, members: names)
        emit(&encoder)
        try attributes(group, path: path)
        for name in names {
            let child = Self.childPath(path, name)
            let object = H5Oopen(group, name, 0)
            guard object >= 0 else { throw failure("cannot open '\(child)'") }
            defer { H5Oclose(object) }
            try markVisited(object, child)
            switch H5Iget_type(object) {
            case H5I_GROUP: try self.group(object, path: child, depth: depth + 1)
            case H5I_DATASET:
                try dataset(object, path: child)
                try attributes(object, path: child)
            default: break  // named datatypes: nothing liblrp reads
            }
        }
    }

    private func linkName(_ group: hid_t, _ i: hsize_t, _ path: String) throws(Failure) -> String {
        let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, 0)
        guard length >= 0, length < 1 << 16 else { throw failure("cannot read the name of member \(i) of group '\(path)'") }
        var buffer = [CChar](repeating: 0, count: Int(length) + 1)
        guard H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, 0) >= 0 else {
            throw failure("cannot read the name of member \(i) of group '\(path)'")
        }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Attributes

    private mutating func attributes(_ object: hid_t, path: String) throws(Failure) {
        var info = H5O_info_t()
        guard H5Oget_info2(object, &info, UInt32(H5O_INFO_NUM_ATTRS)) >= 0 else { throw failure("cannot inspect '\(path)'") }
        guard info.num_attrs <= hsize_t(Self.maxObjects) else { throw Failure(message: "'\(path)' has \(info.num_attrs) attributes") }
        for i in 0..<info.num_attrs {
            let attribute = H5Aopen_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, i, 0, 0)
            guard attribute >= 0 else { throw failure("cannot open attribute \(i) of '\(path)'") }
            defer { H5Aclose(attribute) }
            let length = H5Aget_name(attribute, 0, nil)
            guard length >= 0, length < 1 << 16 else { throw failure("cannot read the name of attribute \(i) of '\(path)'") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard H5Aget_name(attribute, buffer.count, &buffer) >= 0 else { throw failure("cannot read the name of attribute \(i) of '\(path)'") }
            let name = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let what = "attribute '\(name)' of '\(path)'"
            let type = H5Aget_type(attribute), space = H5Aget_space(attribute)
            defer { H5Tclose(type); H5Sclose(space) }
            let count = try elementCount(space, what)
            switch H5Tget_class(type) {
            case H5T_STRING:
                encoder.attribute(path, name, .strings(try strings(attribute, type: type, space: space, count: count, what: what)))
            case H5T_FLOAT, H5T_INTEGER:
                encoder.attribute(path, name, .numeric(count: count))
            default:
                continue  // compound, enum, reference … attributes: nothing liblrp reads
            }
            emit(&encoder)
        }
    }

    private mutating func strings(_ attribute: hid_t, type: hid_t, space: hid_t, count: Int, what: String) throws(Failure) -> [String] {
        guard count > 0 else { return [] }
        guard count <= Self.maxObjects else { throw Failure(message: "\(what) holds \(count) strings") }
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
        let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, bytes <= budget else { throw Failure(message: "\(what) needs \(count) × \(width) bytes, more than the memory limit (LRP_MAX_ALLOC_MB) allows", overLimit: true) }
        H5Tset_size(memory, width)
        H5Tset_strpad(memory, H5Tget_strpad(type))
        var buffer = [UInt8](repeating: 0, count: bytes)
        guard H5Aread(attribute, memory, &buffer) >= 0 else { throw failure("cannot read \(what)") }
        return (0..<count).map { i in
            let slice = buffer[(i * width)..<((i + 1) * width)]
            let end = slice.firstIndex(of: 0) ?? slice.endIndex
            return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
        }
    }

    private func dimensions(_ space: hid_t, _ what: String) throws(Failure) -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= 32 else { throw failure("\(what) has no simple shape") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard rank == 0 || H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { throw failure("cannot read the shape of \(what)") }
        var shape: [Int] = []
        for d in dims {
            guard d <= hsize_t(Int.max) else { throw Failure(message: "\(what) is impossibly large") }
            shape.append(Int(d))
        }
        return shape
    }

    private func elementCount(_ space: hid_t, _ what: String) throws(Failure) -> Int {
        var total = 1
        for d in try dimensions(space, what) {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow else { throw Failure(message: "\(what) is impossibly large") }
            total = product
        }
        return total
    }

    // MARK: Datasets

    private mutating func dataset(_ object: hid_t, path: String) throws(Failure) {
        let what = "dataset '\(path)'"
        let plist = H5Dget_create_plist(object)
        guard plist >= 0 else { throw failure("cannot inspect \(what)") }
        defer { H5Pclose(plist) }
        if H5Pget_layout(plist) == H5D_VIRTUAL {
            throw Failure(message: "\(what) is a virtual dataset (its data lives in other datasets or files); refused")
        }
        if H5Pget_external_count(plist) != 0 {
            throw Failure(message: "\(what) keeps its raw data in external files; refused")
        }
        let type = H5Dget_type(object), space = H5Dget_space(object)
        defer { H5Tclose(type); H5Sclose(space) }
        let shape = try dimensions(space, what)
        let typeClass = H5Tget_class(type)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            encoder.dataset(path, shape: shape, values: nil)
            emit(&encoder)
            return
        }
        let count = try elementCount(space, what)
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 8)
        guard !overflow, bytes / 8 <= fileSize.multipliedReportingOverflow(by: 1100).partialValue + (1 << 20) else {
            throw Failure(message: "\(what) claims \(shape.map(String.init).joined(separator: "×")) values, more than the \(fileSize)-byte file can hold")
        }
        guard bytes <= budget else {
            throw Failure(message: "\(what) holds \(count) values, more than the memory limit (LRP_MAX_ALLOC_MB) allows", overLimit: true)
        }
        budget -= bytes
        let values = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(count, 1))
        defer { values.deallocate() }
        if count > 0 {
            guard H5Dread(object, lrp_hdf5_native_double(), 0, 0, 0, values.baseAddress) >= 0 else {
                throw failure("cannot read \(what)")
            }
        }
        encoder.dataset(path, shape: shape, values: UnsafeBufferPointer(rebasing: values[0..<count]))
        emit(&encoder)
    }
}
