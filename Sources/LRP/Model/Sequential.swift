/// A network as a chain of layers (the toolbox's `Sequential`), with a rule preset per layer.
///
/// `forward` returns a `ForwardPass` that `relevance` consumes; the model itself is not changed by either,
/// so one model can explain many batches.
public struct Sequential: Sendable {
    /// The layers, first to last.
    public private(set) var layers: [any Layer]
    /// The rule each layer uses when `relevance` is given no rule (default `simple`).
    public private(set) var presets: [Rule]

    /// A model of `layers`, every preset `simple`.
    public init(layers: [any Layer]) {
        self.layers = layers
        self.presets = Array(repeating: .simple, count: layers.count)
    }

    /// "layer 3 (Linear 784 300)", the prefix of messages about one layer.
    func context(_ index: Int) -> String { "layer \(index) (\(layers[index].header))" }

    /// Checks that `index` names a layer; the error gives the valid range.
    public func checkLayer(_ index: Int) throws {
        guard layers.indices.contains(index) else {
            throw LRPError.argument("layer \(index) out of range (the model has \(layers.count) layers, 0 … \(layers.count - 1))")
        }
    }

    /// The output shape for an input of `shape`, checking every layer in turn.
    public func outputShape(for shape: [Int]) throws -> [Int] {
        var current = shape
        for (i, layer) in layers.enumerated() {
            current = try withContext(context(i)) { try layer.outputShape(for: current) }
        }
        return current
    }

    /// Runs the batch `x` through all layers; the pass keeps every activation for relevance.
    public func forward(_ x: Tensor) throws -> ForwardPass {
        guard !layers.isEmpty else { throw LRPError.state("the model has no layers") }
        _ = try Shape.validateInput(x.shape)
        var activations = [x]
        activations.reserveCapacity(layers.count + 1)
        for (i, layer) in layers.enumerated() {
            let input = activations[i]
            activations.append(try withContext(context(i)) { try layer.forward(input) })
        }
        return ForwardPass(activations: activations)
    }

    /// Propagates the relevance `r` of the output of `pass` back to the input.
    ///
    /// - Parameters:
    ///   - r: relevance shaped like (or with as many values as) the pass's output.
    ///   - rule: the rule for every layer, or nil to use each layer's preset.
    public func relevance(_ r: Tensor, of pass: ForwardPass, rule: Rule? = nil) throws -> Tensor {
        guard pass.activations.count == layers.count + 1 else {
            throw LRPError.state("the forward pass has \(pass.activations.count - 1) layers, the model \(layers.count)")
        }
        let output = pass.output
        guard r.count == output.count else {
            throw LRPError.shape("relevance has \(r.count) values (\(Shape.describe(r.shape))), the output \(Shape.describe(output.shape)) has \(output.count)")
        }
        var current = try r.reshaped(output.shape)
        for i in layers.indices.reversed() {
            let layerRule = rule ?? presets[i]
            let (x, y) = (pass.activations[i], pass.activations[i + 1])
            current = try withContext(context(i)) {
                try layers[i].relevance(current, input: x, output: y, rule: layerRule)
            }
        }
        return current
    }

    /// Sets the preset of layer `index`, or of every layer when `index` is nil.
    public mutating func setPreset(_ rule: Rule, layer index: Int? = nil) throws {
        if let index {
            try checkLayer(index)
            presets[index] = rule
        } else {
            presets = Array(repeating: rule, count: layers.count)
        }
    }

    /// Sets the presets of all layers at once (one rule per layer).
    public mutating func setPresets(_ rules: [Rule]) throws {
        guard rules.count == layers.count else {
            throw LRPError.argument("\(rules.count) rules given for \(layers.count) layers")
        }
        presets = rules
    }
}
