/// Caffe nets: a `.prototxt` definition with its weights as the companion file — a `.caffemodel`, liblrp's
/// npz layout for Caffe weights, or caffe-tensorflow's `.npy` (see `CaffeWeights`). The two files may be
/// given either way round. No Caffe installation is needed. Reading only.
public struct CaffeModelFormat: ModelFormat {
    public let name = "caffe"
    public let aliases = ["prototxt"]
    public let extensions = ["prototxt", "caffemodel"]

    /// The format.
    public init() {}

    public func read(path: String) throws -> any Network {
        throw LRPError.argument("'\(path)' alone is not enough: a Caffe net needs its prototxt and its weights (.caffemodel, .npz or caffe-tensorflow .npy)")
    }

    /// Reads the net `path` with the weights `companion` (or the other way round).
    public func read(path: String, companion: String?, options: ImportOptions) throws -> any Network {
        guard let companion else { return try read(path: path) }
        var (definition, weightsPath) = (path, companion)
        if FileIO.fileExtension(path) != "prototxt", FileIO.fileExtension(companion) == "prototxt" {
            (definition, weightsPath) = (companion, path)
        }
        let text = try FileIO.read(definition)
        let net = try withContext("'\(definition)'") { try ProtoText(parsing: String(decoding: text, as: UTF8.self)) }
        let weights = try CaffeWeights.read(path: weightsPath)
        return try withContext("'\(definition)'") { try CaffeImporter.build(net, weights: weights, options: options) }
    }

    public func write(_ model: any Network, path: String) throws {
        throw LRPError.unsupported("liblrp does not write Caffe files; write the npz model archive (or the text format)")
    }

    /// Converts the blobs of a `.caffemodel` to liblrp's npz layout for Caffe weights (`<layer>/<index>`,
    /// Caffe's shapes). With a prototxt, the net is built first (so the weights are known to fit it) and only
    /// its layers are written, in its order; without, every layer with blobs is.
    public static func convertWeights(caffemodel: String, prototxt: String?, to output: String) throws {
        let weights = try CaffeWeights.read(path: caffemodel)
        guard weights.layout == .caffe else {
            throw LRPError.argument("'\(caffemodel)' is in caffe-tensorflow's layout; convert a .caffemodel or read the .npy with its prototxt")
        }
        var order = weights.layerNames.sorted()
        if let prototxt {
            _ = try CaffeModelFormat().read(path: prototxt, companion: caffemodel, options: ImportOptions())
            let text = try FileIO.read(prototxt)
            let net = try ProtoText(parsing: String(decoding: text, as: UTF8.self))
            let names = try (net.messages("layer") + net.messages("layers")).compactMap { try $0.string("name") }
            order = names.filter { weights.has($0) }
        }
        try CaffeWeights.writeNpz(weights, order: order, to: output)
    }
}
