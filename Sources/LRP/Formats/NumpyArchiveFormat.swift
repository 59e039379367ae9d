/// NumPy's `.npz` format: a zip archive (stored or deflated, as `savez` and `savez_compressed` write it) of
/// `.npy` members; the key of a member is its name without ".npy".
public struct NumpyArchiveFormat: ArrayFormat {
    public let name = "npz"
    public let extensions = ["npz"]

    /// The format.
    public init() {}

    /// The keys of the arrays in the archive at `path`, in archive order.
    public func keys(path: String) throws -> [String] {
        let archive = try withContext("'\(path)'") { try ZipArchive(try FileIO.read(path)) }
        return archive.entries.map { Self.key(of: $0.name) }
    }

    /// Every array of the archive at `path`, in archive order.
    public func readAll(path: String) throws -> [(key: String, array: Tensor)] {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") {
            let archive = try ZipArchive(bytes)
            return try archive.entries.map { entry in
                (Self.key(of: entry.name), try withContext("member '\(entry.name)'") { try NumpyFormat.decode(try archive.extract(entry)) })
            }
        }
    }

    /// The array `key`; with no key, the archive's only array.
    public func read(path: String, key: String?) throws -> Tensor {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") {
            let archive = try ZipArchive(bytes)
            let keys = archive.entries.map { Self.key(of: $0.name) }
            let entry: ZipArchive.Entry
            if let key {
                guard let index = keys.firstIndex(of: key) else {
                    throw LRPError.argument("no array '\(key)' (keys: \(keys.joined(separator: ", ")))")
                }
                entry = archive.entries[index]
            } else {
                guard archive.entries.count == 1, let only = archive.entries.first else {
                    throw LRPError.argument("holds \(keys.count) arrays; name one (keys: \(keys.joined(separator: ", ")))")
                }
                entry = only
            }
            return try withContext("member '\(entry.name)'") { try NumpyFormat.decode(try archive.extract(entry)) }
        }
    }

    /// Writes `array` as the archive's only member, "arr_0" (what `numpy.savez(path, array)` writes).
    public func write(_ array: Tensor, path: String) throws {
        try write([("arr_0", array)], path: path)
    }

    /// Writes several arrays under their keys (stored, uncompressed).
    public func write(_ arrays: [(key: String, array: Tensor)], path: String) throws {
        let members = arrays.map { (name: $0.key + ".npy", data: NumpyFormat.encode($0.array)) }
        try FileIO.writeAtomically(ZipArchive.build(members), to: path)
    }

    static func key(of memberName: String) -> String {
        memberName.hasSuffix(".npy") ? String(memberName.dropLast(4)) : memberName
    }
}
