/// Keras models in HDF5 files, read through libhdf5 in the helper process (`HDF5File`): full models (`model.save('x.h5')` in Keras 2.x,
/// tf.keras and Keras 3: the architecture in the root attribute `model_config`, the weights under
/// `model_weights`), and weights-only files (`save_weights`) with the architecture as Keras JSON
/// (`model.to_json()`) given as the companion file. Reading only: liblrp writes its own formats.
public struct KerasModelFormat: ModelFormat {
    public let name = "keras"
    public let aliases = ["h5", "hdf5"]
    public let extensions = ["h5", "hdf5", "json"]

    /// The format.
    public init() {}

    public func read(path: String) throws -> any Network {
        try read(path: path, companion: nil, options: ImportOptions())
    }

    /// Reads `path` (a full-model `.h5`, or a weights `.h5` with the architecture JSON as `companion`; the
    /// two may also be given the other way round).
    public func read(path: String, companion: String?, options: ImportOptions) throws -> any Network {
        var (weights, architecture) = (path, companion)
        if FileIO.fileExtension(path) == "json" {
            guard let companion else {
                throw LRPError.argument("'\(path)' is a Keras architecture; give the weights file (.h5) as well")
            }
            (weights, architecture) = (companion, path)
        }
        // A given architecture is parsed first: its errors name its file, and come before the helper process
        // is started for the weights.
        let given: KerasArchitecture? = try architecture.map { file in
            let bytes = try FileIO.read(file)
            return try withContext("'\(file)'") { try KerasArchitecture(try JSON(parsing: bytes)) }
        }
        return try HDF5File.read(path: weights) { file in
            try withContext("'\(weights)'") {
                if let version = try? file.string("/", "keras_version"), version.hasPrefix("1.") {
                    throw LRPError.unsupported("Keras \(version) files are not supported (Keras 2 and 3 are)")
                }
                let architecture: KerasArchitecture
                if let given {
                    architecture = given
                } else {
                    guard file.hasAttribute("/", "model_config") else {
                        throw LRPError.argument("holds weights only (no model_config attribute); give the architecture JSON (model.to_json()) as well")
                    }
                    let json = try withContext("model_config") { try JSON(parsing: try file.string("/", "model_config")) }
                    architecture = try KerasArchitecture(json)
                }
                let store = try KerasWeights(file)
                return try KerasImporter.build(architecture, options: options) { try store.weights(of: $0) }
            }
        }
    }

    public func write(_ model: any Network, path: String) throws {
        throw LRPError.unsupported("liblrp does not write Keras files; write the npz model archive (or the text format)")
    }
}
