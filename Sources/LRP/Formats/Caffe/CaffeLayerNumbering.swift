/// The layers of a Caffe net numbered as Caffe itself numbers them, so that settings written against Caffe's
/// layer indices (the LRP Toolbox's `lastlayerindex`, `firstlayerindex`, the auxiliary index of its formula
/// types) mean the same layers here. Caffe builds its TEST net from the prototxt's layers in their order,
/// leaves out those of the TRAIN phase, and then inserts a Split layer after every top (or net input) that
/// more than one layer reads (Caffe's `InsertSplits`); each of those layers has an index.
public struct CaffeLayerNumbering: Sendable {
    /// One layer of Caffe's net.
    public struct Entry: Sendable, Equatable {
        /// The layer's name (an inserted split: Caffe's "<blob>_<layer>_<top>_split").
        public let name: String
        /// Its type as Caffe spells it ("Convolution", "ReLU", …; V1 enum names mapped to these).
        public let type: String
        /// The blobs it reads and writes, by name.
        public let bottoms: [String]
        /// The blobs it writes.
        public let tops: [String]
    }

    /// Caffe's layers, index = Caffe's layer index.
    public let layers: [Entry]
    /// The net-level inputs (`input:` fields), which are blobs, not layers.
    public let inputs: [String]
    /// The declared shape of the net's (first) input blob, batch first (e.g. N×C×H×W), from `input_dim`,
    /// `input_shape` or an Input, MemoryData or DummyData layer; nil when the prototxt declares none.
    public let inputShape: [Int]?

    /// Types whose layer exists in liblrp only as the layer it is folded into or as a renamed tensor.
    private static let identities: Set<String> = ["Dropout", "Split", "Silence", "BatchNorm", "Scale"]
    /// Types that make the net's input.
    private static let inputTypes: Set<String> = ["Input", "MemoryData", "DummyData"]

    /// The numbering of the prototxt at `path`.
    public init(prototxt path: String) throws {
        let text = try FileIO.read(path)
        let net = try withContext("'\(path)'") { try ProtoText(parsing: String(decoding: text, as: UTF8.self)) }
        try self.init(net)
    }

    init(_ net: ProtoText) throws {
        inputs = try net.scalars("input").map(\.text)
        var shape: [Int]? = nil
        if !inputs.isEmpty {
            let dims = try net.integers("input_dim")
            shape = dims.isEmpty ? try net.message("input_shape")?.integers("dim") : dims
        }
        var declared: [Entry] = []
        for message in try net.messages("layer") + net.messages("layers") {
            let layer = try CaffeLayer(message)
            guard layer.inTestPhase else { continue }
            if shape == nil { shape = try Self.declaredShape(layer) }
            declared.append(Entry(name: layer.name, type: layer.type, bottoms: layer.bottoms, tops: layer.tops))
        }
        layers = try Self.insertingSplits(declared, inputs: inputs)
        inputShape = shape
    }

    /// The shape an input layer declares (nil for other layers).
    private static func declaredShape(_ layer: CaffeLayer) throws -> [Int]? {
        switch layer.type {
        case "Input": return try layer.parameters("input_param")?.message("shape")?.integers("dim")
        case "DummyData": return try layer.parameters("dummy_data_param")?.message("shape")?.integers("dim")
        case "MemoryData":
            let p = try layer.parameters("memory_data_param")
            return try ["batch_size", "channels", "height", "width"].map { try p?.integer($0, default: 1) ?? 1 }
        default: return nil
        }
    }

    /// Caffe's InsertSplits: count the readers of each (producer, top) pair — a blob name refers to its most
    /// recent producer, so in-place layers make new pairs — and give every pair with several readers a Split
    /// layer right after its producer whose tops feed the readers one each.
    private static func insertingSplits(_ layers: [Entry], inputs: [String]) throws -> [Entry] {
        struct Source: Hashable { let layer: Int; let top: Int }   // layer -1: a net input
        var latest: [String: Source] = [:]
        for (i, name) in inputs.enumerated() { latest[name] = Source(layer: -1, top: i) }
        var readers: [Source: Int] = [:]
        var sourceOf: [[Source]] = []
        for (i, layer) in layers.enumerated() {
            var sources: [Source] = []
            for bottom in layer.bottoms {
                guard let source = latest[bottom] else {
                    throw LRPError.format("layer '\(layer.name)' (\(layer.type)) reads the blob '\(bottom)', which no layer before it writes")
                }
                readers[source, default: 0] += 1
                sources.append(source)
            }
            sourceOf.append(sources)
            for (j, top) in layer.tops.enumerated() { latest[top] = Source(layer: i, top: j) }
            // A loss layer's first top counts as read (by the loss), as in Caffe.
            if layer.type.hasSuffix("Loss"), !layer.tops.isEmpty { readers[Source(layer: i, top: 0), default: 0] += 1 }
        }
        func splitBlob(_ blob: String, _ producer: String, _ top: Int, _ k: Int) -> String { "\(blob)_\(producer)_\(top)_split_\(k)" }
        func split(_ blob: String, producer: String, top: Int, count: Int) -> Entry {
            Entry(name: "\(blob)_\(producer)_\(top)_split", type: "Split", bottoms: [blob],
                  tops: (0..<count).map { splitBlob(blob, producer, top, $0) })
        }
        var result: [Entry] = []
        for (i, name) in inputs.enumerated() {
            let n = readers[Source(layer: -1, top: i)] ?? 0
            if n > 1 { result.append(split(name, producer: "input", top: i, count: n)) }
        }
        var used: [Source: Int] = [:]
        for (i, layer) in layers.enumerated() {
            let bottoms = zip(layer.bottoms, sourceOf[i]).map { blob, source -> String in
                let n = readers[source] ?? 0
                guard n > 1 else { return blob }
                let k = used[source, default: 0]
                used[source] = k + 1
                let producer = source.layer < 0 ? "input" : layers[source.layer].name
                return splitBlob(blob, producer, source.top, k)
            }
            result.append(Entry(name: layer.name, type: layer.type, bottoms: bottoms, tops: layer.tops))
            for (j, top) in layer.tops.enumerated() {
                let n = readers[Source(layer: i, top: j)] ?? 0
                if n > 1 { result.append(split(top, producer: layer.name, top: j, count: n)) }
            }
        }
        return result
    }

    /// For each of Caffe's layers, the index of the liblrp layer (of a model imported from this prototxt,
    /// whose layer names are `names`) whose output is that layer's first top: -1 for the net's input, -2 when
    /// the model has none (a layer the output does not depend on). A layer liblrp folds into another
    /// (BatchNorm, Scale) or leaves out (Dropout, Split, Silence) gives the layer computing its bottom.
    public func modelLayers(names: [String]) -> [Int] {
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        var blob: [String: Int] = [:]
        for name in inputs { blob[name] = -1 }
        var result: [Int] = []
        for layer in layers {
            let made: Int
            if Self.inputTypes.contains(layer.type) {
                made = -1
            } else if let own = index[layer.name] {
                made = own
            } else if Self.identities.contains(layer.type), let first = layer.bottoms.first, let source = blob[first] {
                made = source
            } else {
                made = -2
            }
            for top in layer.tops { blob[top] = made }
            result.append(made)
        }
        return result
    }
}
