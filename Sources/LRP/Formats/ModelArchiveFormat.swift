/// liblrp's own model format for every layer and for graphs: one `.npz` file (a zip archive NumPy reads)
/// holding the architecture as JSON and the parameters as float64 `.npy` arrays.
///
///     architecture.json      {"format": "liblrp-model", "version": 1,
///                             "input": {"name": "input", "shape": [28, 28, 1]},        shape may be null
///                             "nodes": [{"name": "conv1", "layer": "Convolution 5 5 1 20 1 1 pad=same",
///                                        "inputs": ["input"], "parameters": ["conv1/W", "conv1/B"],
///                                        "rule": "epsilon:0.01"}, …],                       rule spec, optional
///                             "output": "ip2"}
///     conv1/W.npy, conv1/B.npy, …   one array per parameter, in the layer's parameter shape
///     conv1/A.npy                   a kernel layer's PatternNet pattern, when it has one: the node then says
///                                   "pattern": "conv1/A"; shaped like W
///
/// `layer` is the layer's header line (`LayerSpec`); nodes are in topological order and read the input or
/// earlier nodes by name. In Python: `json.loads(numpy.load(path)['architecture.json'])` and
/// `numpy.load(path)['conv1/W']`. A chain reads back as a `Sequential`, anything else as a `Graph`.
public struct ModelArchiveFormat: ModelFormat {
    public let name = "npz"
    public let aliases = ["archive"]
    public let extensions = ["npz"]

    /// The member holding the architecture.
    public static let architectureMember = "architecture.json"
    /// The value of "format".
    static let formatTag = "liblrp-model"

    /// The format.
    public init() {}

    public func read(path: String) throws -> any Network {
        try read(path: path, precision: .float64)
    }

    /// Reads the archive piece by piece, each array straight into its tensor in `precision`: the peak is
    /// the model's parameters at that precision and one piece, not the file and copies of it.
    public func read(path: String, precision: Precision) throws -> any Network {
        try withContext("'\(path)'") { try decode(try ZipArchive(file: try ReadableFile(path)), as: precision) }
    }

    public func write(_ model: any Network, path: String) throws {
        try FileIO.writeAtomically(try encode(model), to: path)
    }

    // MARK: Writing

    /// The archive's bytes for `model`.
    public func encode(_ model: any Network) throws -> [UInt8] {
        guard model.layerCount > 0 else { throw LRPError.state("the model has no layers") }
        let inputName = Self.inputName(avoiding: (0..<model.layerCount).map { model.name(of: $0) })
        var nodes: [JSON] = []
        var members: [(name: String, data: [UInt8])] = []
        for i in 0..<model.layerCount {
            let name = model.name(of: i)
            let parameters = model.parameters(of: i)
            let keys = zip(model.parameterNames(of: i), parameters).map { "\(name)/\($0.0)" }
            var node: [(key: String, value: JSON)] = [
                ("name", .string(name)),
                ("layer", .string(model.header(of: i))),
                ("inputs", .array(model.inputs(of: i).map { .string($0 == -1 ? inputName : model.name(of: $0)) })),
            ]
            if !keys.isEmpty { node.append(("parameters", .array(keys.map { .string($0) }))) }
            let preset = model.presets[i]
            if preset != .simple {
                node.append(("rule", .string(preset.spec)))
            }
            if let pattern = (model.layer(at: i) as? any KernelLayer)?.pattern {
                node.append(("pattern", .string("\(name)/A")))
                members.append(("\(name)/A.npy", NumpyFormat.encode(pattern)))
            }
            nodes.append(.object(node))
            for (key, tensor) in zip(keys, parameters) { members.append((key + ".npy", NumpyFormat.encode(tensor))) }
        }
        let shape: JSON = model.inputShape.map { .array($0.map { .number(Double($0)) }) } ?? .null
        let architecture = JSON.object([
            ("format", .string(Self.formatTag)),
            ("version", .number(1)),
            ("input", .object([("name", .string(inputName)), ("shape", shape)])),
            ("nodes", .array(nodes)),
            ("output", .string(model.name(of: model.outputIndex))),
        ])
        members.insert((Self.architectureMember, Array((architecture.serialized() + "\n").utf8)), at: 0)
        return ZipArchive.build(members)
    }

    /// "input", or "input_1", … when a layer already has that name.
    private static func inputName(avoiding names: [String]) -> String {
        var candidate = "input", n = 0
        while names.contains(candidate) { n += 1; candidate = "input_\(n)" }
        return candidate
    }

    // MARK: Reading

    /// The model in an archive's bytes.
    public func decode(_ bytes: [UInt8]) throws -> any Network {
        try decode(try ZipArchive(bytes), as: .float64)
    }

    /// The model in an archive, with its parameters in `precision`.
    private func decode(_ archive: ZipArchive, as precision: Precision) throws -> any Network {
        guard let entry = archive.entries.first(where: { $0.name == Self.architectureMember }) else {
            throw LRPError.format("no '\(Self.architectureMember)' member: not a liblrp model archive (an npz of Caffe weights goes with its prototxt; plain arrays are read with lrp_array_read)")
        }
        let architecture = try withContext(Self.architectureMember) { try JSON(parsing: try archive.extract(entry)) }
        let members = Dictionary(archive.entries.map { (NumpyArchiveFormat.key(of: $0.name), $0) }, uniquingKeysWith: { a, _ in a })
        return try withContext(Self.architectureMember) {
            try Self.build(architecture) { key in
                guard let member = members[key] else { return nil }
                return try withContext("array '\(key)'") { try archive.array(member, as: precision) }
            }
        }
    }

    /// Builds the model an architecture describes, fetching parameter arrays by key.
    static func build(_ architecture: JSON, array: (String) throws -> Tensor?) throws -> any Network {
        guard architecture["format"]?.string == formatTag else {
            throw LRPError.format("\"format\" is not \"\(formatTag)\"")
        }
        guard let version = architecture["version"]?.integer else { throw LRPError.format("\"version\" is missing") }
        guard version == 1 else { throw LRPError.unsupported("model archive version \(version) (this library reads version 1)") }
        let input = architecture["input"]
        guard let inputName = input?["name"]?.string else { throw LRPError.format("\"input\" needs a \"name\"") }
        var inputShape: [Int]?
        if let shape = input?["shape"], !shape.isNull {
            guard let dims = shape.array?.compactMap(\.integer), dims.count == shape.array?.count, !dims.isEmpty,
                  dims.allSatisfy({ $0 >= 1 }) else {
                throw LRPError.format("\"input\".\"shape\" must be null or a list of sizes ≥ 1, got \(shape.kind)")
            }
            inputShape = dims
        }
        guard let nodeList = architecture["nodes"]?.array, !nodeList.isEmpty else {
            throw LRPError.format("\"nodes\" must be a non-empty list")
        }
        var indices: [String: Int] = [inputName: -1]
        var nodes: [Graph.Node] = []
        var presets: [Rule] = []
        var patterns: [(node: Int, pattern: Tensor)] = []
        for (i, entry) in nodeList.enumerated() {
            guard let name = entry["name"]?.string, !name.isEmpty else { throw LRPError.format("node \(i) has no \"name\"") }
            try withContext("node \(i) '\(name)'") {
                guard indices[name] == nil else { throw LRPError.format("the name is used twice") }
                guard let header = entry["layer"]?.string else { throw LRPError.format("no \"layer\" description") }
                let spec = try LayerSpec(header: header)
                guard let inputList = entry["inputs"]?.array else { throw LRPError.format("no \"inputs\" list") }
                let inputs = try inputList.map { value -> Int in
                    guard let source = value.string, let index = indices[source] else {
                        throw LRPError.format("reads \(value.kind), which is neither the input nor an earlier node")
                    }
                    return index
                }
                let keys = entry["parameters"]?.array?.compactMap(\.string) ?? []
                let shapes = spec.parameterShapes
                guard keys.count == shapes.count else {
                    throw LRPError.format("\(spec.header) takes \(shapes.count) parameter arrays, \"parameters\" lists \(keys.count)")
                }
                let values = try zip(keys, shapes).map { key, shape -> Tensor in
                    guard let tensor = try array(key) else { throw LRPError.format("the archive has no array '\(key)'") }
                    guard tensor.shape == shape.shape else {
                        throw LRPError.shape("array '\(key)' is \(Shape.describe(tensor.shape)), \(spec.header) needs \(shape.name) \(Shape.describe(shape.shape))")
                    }
                    return tensor
                }
                nodes.append(Graph.Node(name: name, operation: try spec.makeNode(parameters: values), inputs: inputs))
                if let key = entry["pattern"] {
                    guard let key = key.string, let tensor = try array(key) else { throw LRPError.format("\"pattern\" must name an array of the archive") }
                    guard shapes.first?.name == "W", tensor.shape == shapes[0].shape else {
                        throw LRPError.shape("pattern array '\(key)' is \(Shape.describe(tensor.shape)); \(spec.header) needs one shaped like its kernel W\(shapes.first.map { " " + Shape.describe($0.shape) } ?? " (it has none)")")
                    }
                    patterns.append((nodes.count - 1, tensor))
                }
                if let spec = entry["rule"]?.string {
                    presets.append(try Rule(spec: spec))
                } else if let rule = entry["rule"] {
                    guard let ruleName = rule["name"]?.string else { throw LRPError.format("\"rule\" must be a rule spec") }
                    presets.append(try Rule(name: ruleName, parameter: rule["param"]?.number ?? 0))
                } else {
                    presets.append(.simple)
                }
                indices[name] = nodes.count - 1
            }
        }
        guard let outputName = architecture["output"]?.string, let output = indices[outputName], output >= 0 else {
            throw LRPError.format("\"output\" must name a node")
        }
        var graph = try Graph(nodes: nodes, output: output)
        for (i, rule) in presets.enumerated() { try graph.setPreset(rule, layer: i) }
        graph.inputShape = inputShape
        let model = graph.simplified()
        for (node, pattern) in patterns {
            guard let layer = model.layer(at: node) as? any KernelLayer else {
                throw LRPError.format("node \(node) has a \"pattern\" but no kernel")
            }
            try withContext("node \(node)") { try layer.setPattern(pattern) }
        }
        return model
    }
}
