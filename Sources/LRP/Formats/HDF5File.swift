import HDF5Snapshot

/// Read-only access to an HDF5 file as Keras model files need it: groups, string attributes and numeric
/// datasets as float64.
///
/// The file is parsed by the helper process `lrp-hdf5-reader` (`HDF5Process`), never by libhdf5 inside the
/// caller's process; this class answers from the snapshot the helper returns. Paths are absolute within the
/// file ("/model_weights/dense_1"); repeated and trailing slashes do not matter.
final class HDF5File {
    /// The file's path (for messages).
    let path: String
    private let snapshot: HDF5Snapshot

    /// Reads `path` (a regular file) through the helper and runs `body` with its contents.
    static func read<T>(path: String, _ body: (HDF5File) throws -> T) throws -> T {
        _ = try FileIO.size(path)
        let bytes = try HDF5Process.snapshot(of: path)
        let snapshot: HDF5Snapshot
        do {
            snapshot = try HDF5Snapshot(decoding: bytes)
        } catch {
            throw LRPError.format("'\(path)': \(error.description)")
        }
        return try body(HDF5File(path: path, snapshot: snapshot))
    }

    init(path: String, snapshot: HDF5Snapshot) {
        self.path = path
        self.snapshot = snapshot
    }

    /// `path` in the snapshot's spelling: "/" for the root, no repeated or trailing slashes.
    private static func canonical(_ path: String) -> String {
        "/" + path.split(separator: "/").joined(separator: "/")
    }

    /// True when `path` names a group.
    func isGroup(_ path: String) -> Bool { snapshot.groups[Self.canonical(path)] != nil }

    /// True when `path` names a dataset.
    func isDataset(_ path: String) -> Bool { snapshot.datasets[Self.canonical(path)] != nil }

    /// The names of the members of group `path`, in name order.
    func members(_ path: String) throws -> [String] {
        guard let members = snapshot.groups[Self.canonical(path)] else { throw LRPError.format("no group '\(path)'") }
        return members
    }

    /// True when the object at `path` has an attribute `name`.
    func hasAttribute(_ path: String, _ name: String) -> Bool {
        snapshot.attributes[Self.canonical(path)]?[name] != nil
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
        let key = Self.canonical(path)
        guard snapshot.groups[key] != nil || snapshot.datasets[key] != nil else { throw LRPError.format("no object '\(path)'") }
        switch snapshot.attributes[key]?[name] {
        case nil: throw LRPError.format("'\(path)' has no attribute '\(name)'")
        case .strings(let values)?: return values
        case .numeric(count: 0)?: return []
        case .numeric?: throw LRPError.format("attribute '\(name)' of '\(path)' is not text")
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

    /// The numeric dataset at `path` as float64 (converted by libhdf5 from any integer or float type).
    func dataset(_ path: String) throws -> Tensor {
        guard let dataset = snapshot.datasets[Self.canonical(path)] else {
            throw LRPError.format(isGroup(path) ? "'\(path)' is not a dataset" : "no dataset '\(path)'")
        }
        guard let values = dataset.values else { throw LRPError.format("dataset '\(path)' is not numeric") }
        return try Tensor(shape: dataset.shape, data: values)
    }
}
