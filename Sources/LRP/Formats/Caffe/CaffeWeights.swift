/// The trained parameters of a Caffe net, by layer name, from one of three files:
///
/// - a `.caffemodel` (protobuf `NetParameter`: `layer` field 100 with `name` 1 and `blobs` 7, or the V1
///   `layers` field 2 with `name` 4 and `blobs` 6; `BlobProto` `shape` 7 or the legacy num/channels/height/
///   width 1–4, `data` 5 as float32 or `double_data` 8);
/// - liblrp's npz layout for converted Caffe weights: one array per blob, named `<layer>/<index>`, in Caffe's
///   own shape and order — what pycaffe's `net.params[layer][index].data` holds (convolution weights
///   out×in×kh×kw, inner-product weights out×in over inputs in C,H,W order, BatchNorm mean, variance and
///   scale factor, Scale γ and β). `numpy.savez('w.npz', **{f'{n}/{i}': b.data for n, p in
///   net.params.items() for i, b in enumerate(p)})` writes it; `lrp-convert --caffe-weights` too;
/// - the `.npy` of the caffe-tensorflow converter: a pickled dict `{layer: {'weights': W, 'biases': b}}` with
///   convolution weights kh×kw×in×out, inner-product weights in×out (rows in H,W,C order after a spatial
///   layer) and BatchNorm `mean`, `variance` (already divided by the scale factor), `scale`, `offset`.
struct CaffeWeights {
    /// How the arrays are laid out.
    enum Layout {
        /// Caffe's own blobs.
        case caffe
        /// caffe-tensorflow's named, transposed arrays.
        case caffeTensorflow
    }

    /// The layout of this file.
    let layout: Layout
    /// The file (for messages).
    let path: String
    private var blobs: [String: [Tensor]] = [:]
    private var named: [String: [String: Tensor]] = [:]

    /// The layers the file holds parameters for.
    var layerNames: [String] { layout == .caffe ? Array(blobs.keys) : Array(named.keys) }

    /// Reads `path`, telling the three kinds apart by their first bytes.
    static func read(path: String) throws -> CaffeWeights {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") {
            if bytes.starts(with: NumpyFormat.magic) { return try CaffeWeights(caffeTensorflow: bytes, path: path) }
            if bytes.starts(with: [0x50, 0x4B]) { return try CaffeWeights(npz: bytes, path: path) }
            return try CaffeWeights(caffemodel: bytes, path: path)
        }
    }

    /// The blobs of `layer` in Caffe's layout (nil when the file has none for it).
    func caffeBlobs(_ layer: String) -> [Tensor]? { blobs[layer] }

    /// The named arrays of `layer` in caffe-tensorflow's layout (nil when the file has none for it).
    func tensorflowArrays(_ layer: String) -> [String: Tensor]? { named[layer] }

    /// True when the file has parameters for `layer`.
    func has(_ layer: String) -> Bool { blobs[layer] != nil || named[layer] != nil }

    // MARK: .caffemodel

    private init(caffemodel bytes: [UInt8], path: String) throws {
        layout = .caffe
        self.path = path
        let net = try ProtobufMessage(bytes[...])
        let layers = try net.messages(100)
        let v1 = try net.messages(2)
        guard !layers.isEmpty || !v1.isEmpty else {
            throw LRPError.format("not a .caffemodel: no layers (NetParameter fields 100 or 2) found")
        }
        for (index, layer) in layers.enumerated() {
            try add(layer, name: 1, blobs: 7, index: index)
        }
        for (index, layer) in v1.enumerated() {
            try add(layer, name: 4, blobs: 6, index: index)
        }
    }

    private mutating func add(_ layer: ProtobufMessage, name nameField: Int, blobs blobField: Int, index: Int) throws {
        let name = layer.string(nameField) ?? "#\(index)"
        let list = try withContext("layer '\(name)'") {
            try layer.messages(blobField).enumerated().map { i, blob in
                try withContext("blob \(i)") { try Self.blob(blob) }
            }
        }
        // A net may list a layer twice (train and test phases share it); the first with blobs counts.
        if !list.isEmpty, blobs[name] == nil { blobs[name] = list }
    }

    /// A BlobProto as a tensor of its declared shape.
    static func blob(_ blob: ProtobufMessage) throws -> Tensor {
        var shape: [Int]
        if let shapeMessage = try blob.message(7) {
            shape = try shapeMessage.integers(1).map { d in
                guard d >= 0, d <= Int64(Int32.max) else { throw LRPError.format("blob dimension \(d) is out of range") }
                return Int(d)
            }
        } else {
            shape = try [1, 2, 3, 4].map { field in
                let d = try blob.integer(field) ?? 1
                guard d >= 0, d <= Int64(Int32.max) else { throw LRPError.format("blob dimension \(d) is out of range") }
                return Int(d)
            }
        }
        var data = try blob.floats(5)
        if data.isEmpty { data = try blob.doubles(8) }
        let count = try Shape.count(shape)
        guard data.count == count else {
            throw LRPError.format("the blob's shape \(Shape.describe(shape)) needs \(count) values, it holds \(data.count)")
        }
        return try Tensor(shape: shape, data: data)
    }

    // MARK: npz

    private init(npz bytes: [UInt8], path: String) throws {
        layout = .caffe
        self.path = path
        let archive = try ZipArchive(bytes)
        if archive.entries.contains(where: { $0.name == ModelArchiveFormat.architectureMember }) {
            throw LRPError.argument("this is a liblrp model archive, a whole model: read it on its own, without a prototxt")
        }
        var collected: [String: [(Int, Tensor)]] = [:]
        for entry in archive.entries {
            let key = NumpyArchiveFormat.key(of: entry.name)
            guard let slash = key.lastIndex(of: "/"), let index = Int(key[key.index(after: slash)...]), index >= 0 else {
                throw LRPError.format("array '\(key)' is not named '<layer>/<blob index>' (liblrp's layout for Caffe weights)")
            }
            let tensor = try withContext("array '\(key)'") { try NumpyFormat.decode(try archive.extract(entry)) }
            collected[String(key[..<slash]), default: []].append((index, tensor))
        }
        for (layer, list) in collected {
            let sorted = list.sorted { $0.0 < $1.0 }
            guard sorted.map(\.0) == Array(0..<sorted.count) else {
                throw LRPError.format("layer '\(layer)' has blobs \(sorted.map(\.0)); they must be numbered 0, 1, … without gaps")
            }
            blobs[layer] = sorted.map(\.1)
        }
    }

    /// Writes blobs as liblrp's npz layout (`<layer>/<index>`, Caffe's shapes), layers in `order`.
    static func writeNpz(_ weights: CaffeWeights, order: [String], to path: String) throws {
        var arrays: [(key: String, array: Tensor)] = []
        for layer in order {
            for (i, blob) in (weights.blobs[layer] ?? []).enumerated() { arrays.append(("\(layer)/\(i)", blob)) }
        }
        try NumpyArchiveFormat().write(arrays, path: path)
    }

    // MARK: caffe-tensorflow .npy

    private init(caffeTensorflow bytes: [UInt8], path: String) throws {
        layout = .caffeTensorflow
        self.path = path
        let value = try RestrictedPickle.loadObjectNpy(bytes)
        guard let layers = value.entries else {
            throw LRPError.format("holds \(value.kind), not the dict {layer: {'weights': …, 'biases': …}} caffe-tensorflow writes")
        }
        for (key, entry) in layers {
            guard let layer = key.string, let arrays = entry.entries else {
                throw LRPError.format("entry \(key.string ?? key.kind) is not a dict of named arrays")
            }
            var dict: [String: Tensor] = [:]
            for (k, v) in arrays {
                guard let name = k.string, case .array(let tensor) = v else {
                    throw LRPError.format("layer '\(layer)': entry \(k.string ?? k.kind) is \(v.kind), not a numeric array")
                }
                dict[name] = tensor
            }
            named[layer] = dict
        }
    }
}
