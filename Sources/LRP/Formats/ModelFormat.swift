/// A file format for whole models.
public protocol ModelFormat: Sendable {
    /// The name callers pass ("txt").
    var name: String { get }
    /// Other accepted names.
    var aliases: [String] { get }
    /// File extensions (lower case, no dot) that select this format when no name is given.
    var extensions: [String] { get }
    /// Reads a model from `path`.
    func read(path: String) throws -> any Network
    /// Reads a model from `path` with its parameters in `precision`.
    func read(path: String, precision: Precision) throws -> any Network
    /// Writes `model` to `path`.
    func write(_ model: any Network, path: String) throws
    /// Reads a model from `path` with a companion file (Keras: the architecture JSON of a weights file;
    /// Caffe: the weights of a prototxt) and import options.
    func read(path: String, companion: String?, options: ImportOptions) throws -> any Network
}

extension ModelFormat {
    /// Formats that decode in float64 convert the model after reading it.
    public func read(path: String, precision: Precision) throws -> any Network {
        let model = try read(path: path)
        return model.precision == precision ? model : try model.copy(in: precision)
    }

    /// Formats whose files hold everything take no companion file.
    public func read(path: String, companion: String?, options: ImportOptions) throws -> any Network {
        guard companion == nil else {
            throw LRPError.argument("the \(name) format keeps a whole model in one file; it takes no second file")
        }
        return try read(path: path)
    }
}

/// The registry of model formats: lookup by name or by a path's extension.
public enum ModelFormats {
    /// Every model format the library reads and writes.
    public static let all: [any ModelFormat] = [TextModelFormat(), ModelArchiveFormat(), KerasModelFormat(), CaffeModelFormat()]

    /// The format called `name` (or one of its aliases).
    public static func named(_ name: String) throws -> any ModelFormat {
        let key = name.lowercased()
        guard let format = all.first(where: { $0.name == key || $0.aliases.contains(key) }) else {
            throw LRPError.argument("unknown model format '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return format
    }

    /// `name`'s format, or the one the extension of `path` selects when `name` is nil.
    public static func resolve(_ name: String?, path: String) throws -> any ModelFormat {
        if let name { return try named(name) }
        let ext = FileIO.fileExtension(path)
        guard let format = all.first(where: { $0.extensions.contains(ext) }) else {
            let known = all.flatMap(\.extensions).map { "." + $0 }.joined(separator: ", ")
            throw LRPError.unsupported("cannot tell the model format of '\(path)' from its extension (known: \(known)); name the format")
        }
        return format
    }

    /// Reads a model from `path` in format `name` (nil: from the extension).
    public static func read(path: String, format name: String? = nil) throws -> any Network {
        try resolve(name, path: path).read(path: path)
    }

    /// Reads a model from `path` in format `name` (nil: from the extension) with its parameters in `precision`.
    public static func read(path: String, format name: String?, precision: Precision) throws -> any Network {
        try resolve(name, path: path).read(path: path, precision: precision)
    }

    /// Reads a model from `path` in format `name` (nil: from the extension of `path`) with a companion file
    /// and import options.
    public static func read(path: String, format name: String?, companion: String?, options: ImportOptions) throws -> any Network {
        // Weights given first with their prototxt second are a Caffe net whatever their extension.
        if name == nil, let companion, FileIO.fileExtension(companion) == "prototxt" {
            return try CaffeModelFormat().read(path: path, companion: companion, options: options)
        }
        return try resolve(name, path: path).read(path: path, companion: companion, options: options)
    }

    /// Writes `model` to `path` in format `name` (nil: from the extension).
    public static func write(_ model: any Network, path: String, format name: String? = nil) throws {
        try resolve(name, path: path).write(model, path: path)
    }
}
