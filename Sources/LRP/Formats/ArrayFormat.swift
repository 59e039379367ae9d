/// A file format for numeric arrays (inputs, relevance maps, data sets).
public protocol ArrayFormat: Sendable {
    /// The name callers pass ("npy").
    var name: String { get }
    /// File extensions (lower case, no dot) that select this format when no name is given.
    var extensions: [String] { get }
    /// Reads the array `key` (for formats with several members; nil: the format's default) from `path`.
    func read(path: String, key: String?) throws -> Tensor
    /// Writes `array` to `path`.
    func write(_ array: Tensor, path: String) throws

    /// The keys of the arrays a file holds (for formats with several members).
    func keys(path: String) throws -> [String]
}

extension ArrayFormat {
    /// Formats with a single array have no keys.
    public func keys(path: String) throws -> [String] {
        _ = try FileIO.read(path)
        return []
    }
}

/// The registry of array formats: lookup by name or by a path's extension.
public enum ArrayFormats {
    /// Every array format the library reads and writes.
    public static let all: [any ArrayFormat] = [NumpyFormat(), NumpyArchiveFormat(), MATFormat(), TextArrayFormat(), BlobProtoFormat()]

    /// `name`'s format, or the one the extension of `path` selects when `name` is nil.
    public static func resolve(_ name: String?, path: String) throws -> any ArrayFormat {
        if let name {
            guard let format = all.first(where: { $0.name == name.lowercased() }) else {
                throw LRPError.argument("unknown array format '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
            }
            return format
        }
        let ext = FileIO.fileExtension(path)
        guard let format = all.first(where: { $0.extensions.contains(ext) }) else {
            let known = all.flatMap(\.extensions).map { "." + $0 }.joined(separator: ", ")
            throw LRPError.unsupported("cannot tell the array format of '\(path)' from its extension (known: \(known)); name the format")
        }
        return format
    }

    /// Reads an array from `path` in format `name` (nil: from the extension).
    public static func read(path: String, format name: String? = nil, key: String? = nil) throws -> Tensor {
        try resolve(name, path: path).read(path: path, key: key)
    }

    /// The keys of the arrays in the file at `path` (empty for single-array formats).
    public static func keys(path: String, format name: String? = nil) throws -> [String] {
        try resolve(name, path: path).keys(path: path)
    }

    /// Writes `array` to `path` in format `name` (nil: from the extension).
    public static func write(_ array: Tensor, path: String, format name: String? = nil) throws {
        try resolve(name, path: path).write(array, path: path)
    }
}
