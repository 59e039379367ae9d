/// What every model offers, whether a chain (`Sequential`) or a graph with branches (`Graph`): layers
/// addressed by index with headers, parameters and rule presets; forward, relevance, backward and update,
/// for the whole model or one layer; copies. Training and evaluation build on these.
public protocol Network: Sendable {
    /// The number of layers (graph nodes).
    var layerCount: Int { get }
    /// The rule each layer uses when relevance is given no rule.
    var presets: [Rule] { get }

    /// Layer `index`'s description, e.g. "Linear 784 300" or "Add" (index checked by the caller).
    func header(of index: Int) -> String
    /// Layer `index`'s name ("conv2d_1" for a Keras layer; "layer3" when nobody named it).
    func name(of index: Int) -> String
    /// The layers whose outputs layer `index` reads (−1: the model input), in order.
    func inputs(of index: Int) -> [Int]
    /// The layer whose output is the model's output.
    var outputIndex: Int { get }
    /// The shape of one input sample (without the batch dimension) when the model's source declared it
    /// (Keras' input shape, Caffe's input dims as H×W×C); nil otherwise.
    var inputShape: [Int]? { get set }
    /// Layer `index`'s parameters ("W", "B"; shared storage), empty when it has none.
    func parameters(of index: Int) -> [Tensor]
    /// Layer `index` when it is a single-input layer (nil for a merge node; index checked by the caller).
    func layer(at index: Int) -> (any Layer)?

    /// Checks that `index` names a layer; the error gives the valid range.
    func checkLayer(_ index: Int) throws
    /// Sets the preset of layer `index`, or of every layer when `index` is nil.
    mutating func setPreset(_ rule: Rule, layer index: Int?) throws

    /// The output shape for an input of `shape`.
    func outputShape(for shape: [Int]) throws -> [Int]
    /// The output shape of layer `index` alone for an input of `shape`.
    func outputShape(for shape: [Int], layer index: Int) throws -> [Int]

    /// Runs the batch through the model; the pass keeps every layer's inputs and output.
    func forward(_ x: Tensor) throws -> ForwardPass
    /// Runs the batch with the outputs of some channels (the last axis) of some layers set to 0 — `ablating`
    /// maps layer indices to channels — so that every later layer sees 0 there; the model is not changed.
    func forward(_ x: Tensor, ablating: [Int: [Int]]) throws -> ForwardPass
    /// Runs layer `index` alone (single-input layers only).
    func forward(_ x: Tensor, layer index: Int) throws -> LayerTrace
    /// The relevance of the input for the relevance `r` of the output (nil rule: the presets).
    func relevance(_ r: Tensor, of pass: ForwardPass, rule: Rule?) throws -> Tensor
    /// One relevance pass with everything `request` asks for: a start layer, relevance at chosen layers,
    /// per-layer sums.
    func explain(_ r: Tensor, of pass: ForwardPass, request: RelevanceRequest) throws -> RelevanceResult
    /// The relevance through layer `index` alone.
    func relevance(_ r: Tensor, layer index: Int, trace: LayerTrace, rule: Rule?) throws -> Tensor
    /// The backward pass of training; stores parameter gradients in the pass.
    func backward(_ dy: Tensor, pass: inout ForwardPass) throws -> Tensor
    /// The backward pass of layer `index` alone.
    func backward(_ dy: Tensor, layer index: Int, trace: inout LayerTrace) throws -> Tensor
    /// One gradient step for every layer with parameters.
    func update(_ pass: ForwardPass, learningRate: Double) throws
    /// One gradient step for layer `index`.
    func update(layer index: Int, trace: LayerTrace, learningRate: Double) throws

    /// A copy whose layers have their own parameter storage.
    func deepCopyNetwork() throws -> any Network

    /// The precision the model computes in: its parameters', and that of every tensor its passes return
    /// (inputs and relevance of the other precision are converted on the way in).
    var precision: Precision { get }
    /// A copy whose parameters are their own storage in `precision` (numpy's `astype`).
    func copy(in precision: Precision) throws -> Self
}

extension Network {
    /// The parameters' names of layer `index` ("W", "B"), empty when it has none.
    public func parameterNames(of index: Int) -> [String] { parameters(of: index).count == 2 ? ["W", "B"] : [] }

    /// Sets the presets of all layers at once (one rule per layer).
    public mutating func setPresets(_ rules: [Rule]) throws {
        guard rules.count == layerCount else {
            throw LRPError.argument("\(rules.count) rules given for \(layerCount) layers")
        }
        for (i, rule) in rules.enumerated() { try setPreset(rule, layer: i) }
    }

    /// "layer 3 (Linear 784 300)" or "layer 3 'dense_1' (Linear 784 300)", the prefix of messages about one
    /// layer.
    func context(_ index: Int) -> String {
        let n = name(of: index)
        return n == Self.defaultName(index) ? "layer \(index) (\(header(of: index)))" : "layer \(index) '\(n)' (\(header(of: index)))"
    }

    /// The name of an unnamed layer at `index`.
    static func defaultName(_ index: Int) -> String { "layer\(index)" }

    /// `values` reshaped like `reference` (the output of the same layer) and in its precision, or a shape error.
    func conform(_ values: Tensor, to reference: Tensor, what: String) throws -> Tensor {
        guard values.count == reference.count else {
            throw LRPError.shape("\(what) has \(values.count) values (\(Shape.describe(values.shape))), the output of the last forward pass \(Shape.describe(reference.shape)) has \(reference.count)")
        }
        let converted = try values.converted(to: reference.precision)
        return converted.shape == reference.shape ? converted : try converted.reshaped(reference.shape)
    }

    /// The precision after appending `layer`: the model's, unless it has no parameters yet and the layer has.
    func precision(appending layer: (any Layer)?) -> Precision {
        let hasParameters = (0..<layerCount).contains { !parameters(of: $0).isEmpty }
        return hasParameters ? precision : layer?.parameters.first?.precision ?? precision
    }

    /// The precision of the first layer with parameters (float64 for none): a new model's precision.
    static func precision(of layers: [any Layer]) -> Precision {
        layers.first { !$0.parameters.isEmpty }?.parameters[0].precision ?? .float64
    }
}
