/// One layer of a Keras model config: its class, name, config object and the layers it reads.
struct KerasLayer {
    /// "Conv2D", "Dense", …
    let className: String
    /// The layer's unique name.
    let name: String
    /// The layer's `config` object.
    let config: JSON
    /// The names of the layers whose outputs it reads, in call order.
    let inbound: [String]

    /// "layer 'conv2d_1' (Conv2D)", the prefix of messages about this layer.
    var context: String { "layer '\(name)' (\(className))" }
}

/// A Keras model's architecture as `model.to_json()` and the `model_config` attribute of `.h5` files
/// store it: a `Sequential` model (Keras 2's bare list of layers, or the `{"layers": […]}` form of later
/// versions) or a functional `Model`/`Functional` (Keras 2 `inbound_nodes` lists, Keras 3 call records with
/// `__keras_tensor__` arguments). One input and one output; layers are returned in an order in which every
/// layer comes after the layers it reads.
struct KerasArchitecture {
    /// The layers, inputs first.
    private(set) var layers: [KerasLayer] = []
    /// The name of the model input (an InputLayer's name, or "input" when the config has none).
    private(set) var inputName = "input"
    /// The shape of one input sample, nil when the config leaves a size open.
    private(set) var inputShape: [Int]?
    /// The name of the layer whose output is the model output.
    private(set) var outputName = ""

    /// Parses a model config (the JSON of `to_json()` or of `model_config`).
    init(_ json: JSON) throws {
        guard let className = json["class_name"]?.string else {
            throw LRPError.format("the Keras model config has no \"class_name\"")
        }
        guard let config = json["config"] else { throw LRPError.format("the Keras model config has no \"config\"") }
        switch className {
        case "Sequential": try parseSequential(config)
        case "Model", "Functional": try parseFunctional(config)
        default:
            throw LRPError.unsupported("Keras models of class '\(className)' are not supported (Sequential, Model and Functional are)")
        }
    }

    /// The per-sample shape of a Keras batch shape [null, 28, 28, 1]; nil when a size is open.
    static func sampleShape(_ batchShape: JSON?) -> [Int]? {
        guard let dims = batchShape?.array, dims.count >= 2 else { return nil }
        let sizes = dims.dropFirst().map(\.integer)
        guard sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        return sizes.compactMap { $0 }
    }

    /// The batch shape a layer config declares (Keras 2 `batch_input_shape`, Keras 3 `batch_shape`).
    private static func declaredShape(_ config: JSON) -> JSON? {
        config["batch_input_shape"] ?? config["batch_shape"]
    }

    private static func entry(_ value: JSON, _ index: Int) throws -> (className: String, name: String, config: JSON) {
        guard let className = value["class_name"]?.string else { throw LRPError.format("layer \(index) of the config has no \"class_name\"") }
        guard let config = value["config"], config.object != nil else {
            throw LRPError.format("layer \(index) (\(className)) has no \"config\" object")
        }
        guard let name = config["name"]?.string ?? value["name"]?.string, !name.isEmpty else {
            throw LRPError.format("layer \(index) (\(className)) has no name")
        }
        return (className, name, config)
    }

    private mutating func parseSequential(_ config: JSON) throws {
        guard let list = config.array ?? config["layers"]?.array else {
            throw LRPError.format("the Sequential config has no list of layers")
        }
        var previous: String?
        for (i, value) in list.enumerated() {
            let (className, name, layerConfig) = try Self.entry(value, i)
            if previous == nil {
                // The input: an explicit InputLayer, or declared by the first layer (or the model's build shape).
                if className == "InputLayer" {
                    inputName = name
                    inputShape = Self.sampleShape(Self.declaredShape(layerConfig))
                    previous = name
                    continue
                }
                inputName = "input"
                let declared = Self.declaredShape(layerConfig) ?? config["build_input_shape"]
                    ?? value["build_config"]?["input_shape"]
                inputShape = Self.sampleShape(declared)
                previous = inputName
            }
            guard className != "InputLayer" else { throw LRPError.format("layer \(i) is a second InputLayer") }
            layers.append(KerasLayer(className: className, name: name, config: layerConfig, inbound: [previous ?? inputName]))
            previous = name
        }
        guard let last = layers.last else { throw LRPError.format("the Sequential model has no layers") }
        outputName = last.name
    }

    /// The [name, node, tensor] triples of `input_layers` / `output_layers` (a single triple in Keras 3).
    private static func endpoints(_ value: JSON?, _ what: String) throws -> [String] {
        guard let list = value?.array else { throw LRPError.format("the functional config has no \"\(what)\"") }
        if list.first?.string != nil { return [list[0].string ?? ""] }
        return try list.map { triple in
            guard let name = triple.array?.first?.string else { throw LRPError.format("malformed entry in \"\(what)\"") }
            return name
        }
    }

    /// The layers a functional layer reads: Keras 2 `[[["name", 0, 0, {}], …]]`, Keras 3
    /// `[{"args": [… {"class_name": "__keras_tensor__", "config": {"keras_history": ["name", 0, 0]}} …]}]`.
    private static func inbound(_ value: JSON?, layer: String) throws -> [String] {
        guard let calls = value?.array, !calls.isEmpty else { return [] }
        guard calls.count == 1 else {
            throw LRPError.unsupported("layer '\(layer)' is called \(calls.count) times (shared layers are not supported)")
        }
        var sources: [(name: String, node: Int, tensor: Int)] = []
        if let list = calls[0].array {
            for item in list {
                guard let parts = item.array, let name = parts.first?.string else {
                    throw LRPError.format("layer '\(layer)' has a malformed inbound node")
                }
                sources.append((name, parts.count > 1 ? parts[1].integer ?? 0 : 0, parts.count > 2 ? parts[2].integer ?? 0 : 0))
            }
        } else if calls[0].object != nil {
            func collect(_ value: JSON) {
                if value["class_name"]?.string == "__keras_tensor__", let history = value["config"]?["keras_history"]?.array,
                   let name = history.first?.string {
                    sources.append((name, history.count > 1 ? history[1].integer ?? 0 : 0, history.count > 2 ? history[2].integer ?? 0 : 0))
                } else if let list = value.array {
                    list.forEach(collect)
                } else if let members = value.object {
                    members.forEach { collect($0.value) }
                }
            }
            collect(calls[0]["args"] ?? .null)
        } else {
            throw LRPError.format("layer '\(layer)' has a malformed inbound node")
        }
        return try sources.map { source in
            guard source.node == 0, source.tensor == 0 else {
                throw LRPError.unsupported("layer '\(layer)' reads output \(source.tensor) of call \(source.node) of '\(source.name)' (shared layers and layers with several outputs are not supported)")
            }
            return source.name
        }
    }

    private mutating func parseFunctional(_ config: JSON) throws {
        guard let list = config["layers"]?.array else { throw LRPError.format("the functional config has no list of layers") }
        let inputs = try Self.endpoints(config["input_layers"], "input_layers")
        let outputs = try Self.endpoints(config["output_layers"], "output_layers")
        guard inputs.count == 1 else { throw LRPError.unsupported("models with \(inputs.count) inputs are not supported (one input)") }
        guard outputs.count == 1 else { throw LRPError.unsupported("models with \(outputs.count) outputs are not supported (one output)") }
        inputName = inputs[0]
        outputName = outputs[0]
        var pending: [KerasLayer] = []
        var foundInput = false
        for (i, value) in list.enumerated() {
            let (className, name, layerConfig) = try Self.entry(value, i)
            if name == inputName {
                guard className == "InputLayer" else { throw LRPError.format("the model input '\(name)' is a \(className), not an InputLayer") }
                inputShape = Self.sampleShape(Self.declaredShape(layerConfig))
                foundInput = true
                continue
            }
            guard className != "InputLayer" else {
                throw LRPError.unsupported("models with several inputs are not supported ('\(name)' is a second InputLayer)")
            }
            let sources = try Self.inbound(value["inbound_nodes"], layer: name)
            guard !sources.isEmpty else { throw LRPError.format("layer '\(name)' reads nothing") }
            pending.append(KerasLayer(className: className, name: name, config: layerConfig, inbound: sources))
        }
        guard foundInput else { throw LRPError.format("the input layer '\(inputName)' is not among the layers") }
        // Topological order: a layer after everything it reads.
        var placed: Set<String> = [inputName]
        while !pending.isEmpty {
            guard let next = pending.firstIndex(where: { $0.inbound.allSatisfy(placed.contains) }) else {
                let names = pending.map(\.name).prefix(5).joined(separator: ", ")
                throw LRPError.format("layers \(names) read layers that do not exist or form a cycle")
            }
            let layer = pending.remove(at: next)
            guard placed.insert(layer.name).inserted else { throw LRPError.format("the layer name '\(layer.name)' is used twice") }
            layers.append(layer)
        }
        guard placed.contains(outputName) else { throw LRPError.format("the output layer '\(outputName)' is not among the layers") }
    }
}
