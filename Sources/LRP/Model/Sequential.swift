/// A network as a chain of layers (the toolbox's `Sequential`), with a rule preset per layer.
///
/// The model holds layers and presets only; what the passes leave behind (inputs, outputs, gradients)
/// is a `ForwardPass` the caller keeps, so one model can explain many batches. Parameters are shared
/// storage: `update` writes them in place, and so does every copy of the model that shares them
/// (`deepCopy` gives a model with its own).
public struct Sequential: Network {
    /// The layers, first to last.
    public private(set) var layers: [any Layer]
    /// The rule each layer uses when `relevance` is given no rule (default `simple`).
    public private(set) var presets: [Rule]

    /// The layers' names ("layer<i>" unless named).
    public private(set) var names: [String]
    public var inputShape: [Int]?
    public private(set) var precision: Precision

    /// A model of `layers`, every preset `simple`, named by `names` (default "layer0", "layer1", …), in the
    /// precision of its first parameters (float64 for none).
    public init(layers: [any Layer], names: [String]? = nil) {
        self.layers = layers
        self.precision = Self.precision(of: layers)
        self.presets = Array(repeating: .simple, count: layers.count)
        if let names, names.count == layers.count {
            self.names = names
        } else {
            self.names = layers.indices.map { Self.defaultName($0) }
        }
    }

    public var layerCount: Int { layers.count }
    public func header(of index: Int) -> String { layers[index].header }
    public func name(of index: Int) -> String { names[index] }
    public func inputs(of index: Int) -> [Int] { [index - 1] }
    public var outputIndex: Int { layers.count - 1 }
    public func parameters(of index: Int) -> [Tensor] { layers[index].parameters }
    public func layer(at index: Int) -> (any Layer)? { layers[index] }

    public func checkLayer(_ index: Int) throws {
        guard layers.indices.contains(index) else {
            throw LRPError.argument("layer \(index) out of range (the model has \(layers.count) layers, 0 … \(layers.count - 1))")
        }
    }

    /// Appends a layer (preset `simple`); a model without parameters so far takes the layer's precision.
    public mutating func append(_ layer: any Layer, name: String? = nil) {
        precision = precision(appending: layer)
        names.append(name ?? Self.defaultName(layers.count))
        layers.append(layer)
        presets.append(.simple)
    }

    /// A copy whose layers have their own parameter storage.
    public func deepCopy() throws -> Sequential { try copy(in: precision) }

    public func deepCopyNetwork() throws -> any Network { try deepCopy() }

    /// A copy whose layers have their own parameter storage in `precision`.
    public func copy(in precision: Precision) throws -> Sequential {
        var copy = Sequential(layers: try layers.map { try $0.copy(in: precision) }, names: names)
        copy.presets = presets
        copy.inputShape = inputShape
        copy.precision = precision
        return copy
    }

    // MARK: Forward

    public func outputShape(for shape: [Int]) throws -> [Int] {
        guard !layers.isEmpty else { throw LRPError.state("the model has no layers") }
        var current = shape
        for (i, layer) in layers.enumerated() {
            current = try withContext(context(i)) { try layer.outputShape(for: current) }
        }
        return current
    }

    public func outputShape(for shape: [Int], layer index: Int) throws -> [Int] {
        try checkLayer(index)
        return try withContext(context(index)) { try layers[index].outputShape(for: shape) }
    }

    public func forward(_ x: Tensor) throws -> ForwardPass {
        try forward(x, ablating: [:])
    }

    public func forward(_ x: Tensor, ablating: [Int: [Int]]) throws -> ForwardPass {
        guard !layers.isEmpty else { throw LRPError.state("the model has no layers") }
        for layer in ablating.keys { try checkLayer(layer) }
        _ = try Shape.validateInput(x.shape)
        let x = try x.converted(to: precision)
        var pass = ForwardPass(layers: layers.count)
        var current = x
        for (i, layer) in layers.enumerated() {
            var output = try withContext(context(i)) { try layer.forward(current) }
            if let channels = ablating[i] { output = try withContext(context(i)) { try output.zeroingChannels(channels) } }
            pass.traces[i] = LayerTrace(input: current, output: output)
            current = output
        }
        pass.input = x
        pass.output = current
        return pass
    }

    public func forward(_ x: Tensor, layer index: Int) throws -> LayerTrace {
        try checkLayer(index)
        _ = try Shape.validateInput(x.shape)
        let x = try x.converted(to: precision)
        return LayerTrace(input: x, output: try withContext(context(index)) { try layers[index].forward(x) })
    }

    // MARK: Relevance

    /// Propagates the relevance `r` of the last layer's output back to the first layer's input, through the
    /// traces of `pass`; `rule` applies to every layer, nil means each layer's preset.
    public func relevance(_ r: Tensor, of pass: ForwardPass, rule: Rule? = nil) throws -> Tensor {
        try explain(r, of: pass, request: RelevanceRequest(rule: rule)).input
    }

    public func explain(_ r: Tensor, of pass: ForwardPass, request: RelevanceRequest) throws -> RelevanceResult {
        try explainNodes(r, of: pass, request: request) { i, signal, trace, rule in
            [try layers[i].relevance(try conform(signal, to: trace.output, what: "relevance"), input: trace.input,
                                     output: trace.output, rule: rule)]
        }
    }

    public func relevance(_ r: Tensor, layer index: Int, trace: LayerTrace, rule: Rule? = nil) throws -> Tensor {
        try checkLayer(index)
        return try withContext(context(index)) {
            let shaped = try conform(r, to: trace.output, what: "relevance")
            return try layers[index].relevance(shaped, input: trace.input, output: trace.output, rule: rule ?? presets[index])
        }
    }

    // MARK: Training

    public func backward(_ dy: Tensor, pass: inout ForwardPass) throws -> Tensor {
        try checkPass(pass)
        var current = dy
        for i in layers.indices.reversed() {
            guard var t = pass.traces[i] else { throw noTrace(i) }
            current = try backward(current, layer: i, trace: &t)
            pass.traces[i] = t
        }
        return current
    }

    public func backward(_ dy: Tensor, layer index: Int, trace: inout LayerTrace) throws -> Tensor {
        try checkLayer(index)
        let t = trace
        let result = try withContext(context(index)) {
            try layers[index].backward(try conform(dy, to: t.output, what: "gradient"), input: t.input, output: t.output)
        }
        trace.gradients = result.parameters
        return result.input
    }

    public func update(_ pass: ForwardPass, learningRate: Double) throws {
        try checkPass(pass)
        for i in layers.indices where !layers[i].parameters.isEmpty {
            try update(layer: i, trace: try trace(pass, i), learningRate: learningRate)
        }
    }

    public func update(layer index: Int, trace: LayerTrace, learningRate: Double) throws {
        try checkLayer(index)
        guard learningRate.isFinite else { throw LRPError.argument("learning rate must be finite, got \(learningRate)") }
        try withContext(context(index)) {
            try layers[index].update(trace.gradients, outputShape: trace.output.shape, learningRate: learningRate)
        }
    }

    // MARK: Presets

    public mutating func setPreset(_ rule: Rule, layer index: Int? = nil) throws {
        if let index {
            try checkLayer(index)
            presets[index] = rule
        } else {
            presets = Array(repeating: rule, count: layers.count)
        }
    }

    // MARK: Helpers

    private func checkPass(_ pass: ForwardPass) throws {
        guard pass.traces.count == layers.count else {
            throw LRPError.state("the forward pass has \(pass.traces.count) layers, the model \(layers.count)")
        }
    }

    private func trace(_ pass: ForwardPass, _ index: Int) throws -> LayerTrace {
        guard let t = pass.traces[index] else { throw noTrace(index) }
        return t
    }

    private func noTrace(_ index: Int) -> LRPError {
        LRPError.state("\(context(index)) has no forward pass yet: run forward first")
    }
}
