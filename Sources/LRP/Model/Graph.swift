/// A network that is not a chain: nodes in topological order, each a single-input layer or a merge node
/// (Add, Concatenate) reading the outputs of earlier nodes or the model's input. One input, one output.
///
/// Relevance runs from the output node back in reverse order; where a node's output feeds several nodes,
/// the relevance (and, in training, the gradient) coming back from them adds up.
public struct Graph: Network {
    /// What a node computes.
    public enum Operation: Sendable {
        /// A layer with one input.
        case layer(any Layer)
        /// A merge of several inputs.
        case merge(any MergeLayer)

        /// The node's description.
        public var header: String {
            switch self {
            case .layer(let l): return l.header
            case .merge(let m): return m.header
            }
        }
    }

    /// A node: a name (for messages and files), its operation, and the nodes it reads (−1: the model input).
    public struct Node: Sendable {
        public let name: String
        public let operation: Operation
        public let inputs: [Int]

        /// A node.
        public init(name: String, operation: Operation, inputs: [Int]) {
            self.name = name
            self.operation = operation
            self.inputs = inputs
        }
    }

    /// The nodes in topological order.
    public private(set) var nodes: [Node]
    /// The node whose output is the model's output.
    public let output: Int
    /// The rule each node uses when relevance is given no rule.
    public private(set) var presets: [Rule]
    public var inputShape: [Int]?
    public private(set) var precision: Precision

    /// A graph of `nodes` (each reading only earlier nodes or −1) with output node `output`.
    public init(nodes: [Node], output: Int) throws {
        guard nodes.indices.contains(output) else {
            throw LRPError.argument("the output node \(output) is not one of the \(nodes.count) nodes")
        }
        var seen = Set<String>()
        for (i, node) in nodes.enumerated() {
            guard !node.name.isEmpty, seen.insert(node.name).inserted else {
                throw LRPError.argument("node \(i) has \(node.name.isEmpty ? "an empty name" : "the name '\(node.name)' of an earlier node"); names must be unique")
            }
            guard node.inputs.allSatisfy({ $0 >= -1 && $0 < i }) else {
                throw LRPError.argument("node \(i) (\(node.name)) reads \(node.inputs): nodes may read the input (-1) or earlier nodes only")
            }
            switch node.operation {
            case .layer: guard node.inputs.count == 1 else { throw LRPError.argument("node \(i) (\(node.name)) is a layer with \(node.inputs.count) inputs") }
            case .merge: guard node.inputs.count >= 2 else { throw LRPError.argument("node \(i) (\(node.name)) merges \(node.inputs.count) inputs") }
            }
        }
        self.nodes = nodes
        self.output = output
        self.presets = Array(repeating: .simple, count: nodes.count)
        self.precision = Self.precision(of: nodes.compactMap { if case .layer(let l) = $0.operation { return l } else { return nil } })
    }

    /// The layers in order, when every node is a single-input layer reading the one before: the chain a
    /// `Sequential` can hold; nil otherwise.
    public var chain: [any Layer]? {
        var layers: [any Layer] = []
        for (i, node) in nodes.enumerated() {
            guard case .layer(let layer) = node.operation, node.inputs == [i - 1] else { return nil }
            layers.append(layer)
        }
        return output == nodes.count - 1 ? layers : nil
    }

    public var layerCount: Int { nodes.count }
    public func header(of index: Int) -> String { nodes[index].operation.header }
    public func name(of index: Int) -> String { nodes[index].name }
    public func inputs(of index: Int) -> [Int] { nodes[index].inputs }
    public var outputIndex: Int { output }

    /// `model` as a graph (a `Sequential` becomes a chain of nodes), names, presets and input shape kept.
    public init(_ model: any Network) throws {
        if let graph = model as? Graph {
            self = graph
            return
        }
        guard let chain = model as? Sequential else { throw LRPError.unsupported("unknown kind of model") }
        try self.init(nodes: chain.layers.enumerated().map { Node(name: chain.names[$0], operation: .layer($1), inputs: [$0 - 1]) },
                      output: chain.layerCount - 1)
        presets = chain.presets
        inputShape = chain.inputShape
        precision = chain.precision
    }

    /// `model` with one more node, which becomes the output: a `Sequential` while every node reads the one
    /// before, a `Graph` otherwise. `name` nil: "layer<i>".
    public static func appending(_ model: any Network, name: String?, operation: Operation, inputs: [Int]) throws -> any Network {
        let index = model.layerCount
        let name = name ?? defaultName(index)
        if var chain = model as? Sequential, case .layer(let layer) = operation, inputs == [index - 1], !chain.names.contains(name) {
            chain.append(layer, name: name)
            return chain
        }
        let base: Graph? = model.layerCount == 0 ? nil : try Graph(model)
        var graph = try Graph(nodes: (base?.nodes ?? []) + [Node(name: name, operation: operation, inputs: inputs)], output: index)
        graph.presets = (base?.presets ?? []) + [.simple]
        graph.inputShape = model.inputShape
        if case .layer(let layer) = operation {
            graph.precision = model.precision(appending: layer)
        } else {
            graph.precision = model.precision
        }
        return graph
    }

    /// The same model as a `Sequential` (names, presets and input shape kept) when it is a chain; itself
    /// otherwise.
    public func simplified() -> any Network {
        guard let layers = chain else { return self }
        var sequential = Sequential(layers: layers, names: nodes.map(\.name))
        for (i, rule) in presets.enumerated() { try? sequential.setPreset(rule, layer: i) }
        sequential.inputShape = inputShape
        return sequential
    }

    public func layer(at index: Int) -> (any Layer)? {
        if case .layer(let l) = nodes[index].operation { return l }
        return nil
    }

    public func parameters(of index: Int) -> [Tensor] {
        if case .layer(let layer) = nodes[index].operation { return layer.parameters }
        return []
    }

    public func checkLayer(_ index: Int) throws {
        guard nodes.indices.contains(index) else {
            throw LRPError.argument("layer \(index) out of range (the model has \(nodes.count) layers, 0 … \(nodes.count - 1))")
        }
    }

    public mutating func setPreset(_ rule: Rule, layer index: Int? = nil) throws {
        if let index {
            try checkLayer(index)
            presets[index] = rule
        } else {
            presets = Array(repeating: rule, count: nodes.count)
        }
    }

    public func deepCopyNetwork() throws -> any Network { try copy(in: precision) }

    public func copy(in precision: Precision) throws -> Graph {
        var copy = try Graph(nodes: try nodes.map { node in
            switch node.operation {
            case .layer(let layer): return Node(name: node.name, operation: .layer(try layer.copy(in: precision)), inputs: node.inputs)
            case .merge: return node
            }
        }, output: output)
        copy.presets = presets
        copy.inputShape = inputShape
        copy.precision = precision
        return copy
    }

    // MARK: Forward

    public func outputShape(for shape: [Int]) throws -> [Int] {
        var shapes: [[Int]] = []
        for (i, node) in nodes.enumerated() {
            let inputs = node.inputs.map { $0 == -1 ? shape : shapes[$0] }
            shapes.append(try withContext(context(i)) {
                switch node.operation {
                case .layer(let layer): return try layer.outputShape(for: inputs[0])
                case .merge(let merge): return try merge.outputShape(for: inputs)
                }
            })
        }
        return shapes[output]
    }

    public func outputShape(for shape: [Int], layer index: Int) throws -> [Int] {
        try checkLayer(index)
        guard case .layer(let layer) = nodes[index].operation else { throw mergeAlone(index) }
        return try withContext(context(index)) { try layer.outputShape(for: shape) }
    }

    public func forward(_ x: Tensor) throws -> ForwardPass {
        try forward(x, ablating: [:])
    }

    public func forward(_ x: Tensor, ablating: [Int: [Int]]) throws -> ForwardPass {
        for layer in ablating.keys { try checkLayer(layer) }
        _ = try Shape.validateInput(x.shape)
        let x = try x.converted(to: precision)
        var pass = ForwardPass(layers: nodes.count)
        var outputs: [Tensor] = []
        outputs.reserveCapacity(nodes.count)
        for (i, node) in nodes.enumerated() {
            let inputs = node.inputs.map { $0 == -1 ? x : outputs[$0] }
            var result = try withContext(context(i)) {
                switch node.operation {
                case .layer(let layer): return try layer.forward(inputs[0])
                case .merge(let merge): return try merge.forward(inputs)
                }
            }
            if let channels = ablating[i] { result = try withContext(context(i)) { try result.zeroingChannels(channels) } }
            pass.traces[i] = LayerTrace(inputs: inputs, output: result)
            outputs.append(result)
        }
        pass.input = x
        pass.output = outputs[output]
        return pass
    }

    public func forward(_ x: Tensor, layer index: Int) throws -> LayerTrace {
        try checkLayer(index)
        guard case .layer(let layer) = nodes[index].operation else { throw mergeAlone(index) }
        _ = try Shape.validateInput(x.shape)
        let x = try x.converted(to: precision)
        return LayerTrace(input: x, output: try withContext(context(index)) { try layer.forward(x) })
    }

    // MARK: Relevance and gradients

    /// Runs `step(node, signal, trace)` from the output node back, adding up the signals that reach a node
    /// from several consumers; returns what reaches the model input (zeros if nothing does).
    private func propagate(_ start: Tensor, _ pass: ForwardPass,
                           _ step: (Int, Tensor, LayerTrace) throws -> [Tensor]) throws -> Tensor {
        guard pass.traces.count == nodes.count, let input = pass.input else {
            throw LRPError.state("no full forward pass through the graph yet: run forward first")
        }
        var pending = [Tensor?](repeating: nil, count: nodes.count)
        var atInput: Tensor?
        pending[output] = start
        for i in nodes.indices.reversed() {
            guard let signal = pending[i] else { continue }
            guard let trace = pass.traces[i] else { throw LRPError.state("\(context(i)) has no forward pass yet") }
            let parts = try step(i, signal, trace)
            for (source, part) in zip(nodes[i].inputs, parts) {
                if source == -1 {
                    atInput = try sum(atInput, part)
                } else {
                    pending[source] = try sum(pending[source], part)
                }
            }
        }
        return try atInput ?? Tensor.zeros(input.shape, input.precision)
    }

    /// a + b (b alone when a is nil).
    private func sum(_ a: Tensor?, _ b: Tensor) throws -> Tensor {
        guard let a else { return b }
        return try b.adding(a)
    }

    public func relevance(_ r: Tensor, of pass: ForwardPass, rule: Rule? = nil) throws -> Tensor {
        try explain(r, of: pass, request: RelevanceRequest(rule: rule)).input
    }

    public func explain(_ r: Tensor, of pass: ForwardPass, request: RelevanceRequest) throws -> RelevanceResult {
        try explainNodes(r, of: pass, request: request) { i, signal, trace, rule in
            switch nodes[i].operation {
            case .layer(let layer): return [try layer.relevance(signal, input: trace.input, output: trace.output, rule: rule)]
            case .merge(let merge): return try merge.relevance(signal, inputs: trace.inputs, output: trace.output, rule: rule)
            }
        }
    }

    public func relevance(_ r: Tensor, layer index: Int, trace: LayerTrace, rule: Rule? = nil) throws -> Tensor {
        try checkLayer(index)
        guard case .layer(let layer) = nodes[index].operation else { throw mergeAlone(index) }
        return try withContext(context(index)) {
            try layer.relevance(try conform(r, to: trace.output, what: "relevance"), input: trace.input, output: trace.output,
                                rule: rule ?? presets[index])
        }
    }

    public func backward(_ dy: Tensor, pass: inout ForwardPass) throws -> Tensor {
        guard let last = pass.traces.indices.contains(output) ? pass.traces[output] : nil else {
            throw LRPError.state("no full forward pass through the graph yet: run forward first")
        }
        let start = try withContext(context(output)) { try conform(dy, to: last.output, what: "gradient") }
        var gradients = [[Tensor]?](repeating: nil, count: nodes.count)
        let result = try propagate(start, pass) { i, signal, trace in
            try withContext(context(i)) {
                switch nodes[i].operation {
                case .layer(let layer):
                    let step = try layer.backward(signal, input: trace.input, output: trace.output)
                    gradients[i] = step.parameters
                    return [step.input]
                case .merge(let merge):
                    return try merge.backward(signal, inputs: trace.inputs, output: trace.output)
                }
            }
        }
        for (i, g) in gradients.enumerated() { if let g { pass.traces[i]?.gradients = g } }
        return result
    }

    public func backward(_ dy: Tensor, layer index: Int, trace: inout LayerTrace) throws -> Tensor {
        try checkLayer(index)
        guard case .layer(let layer) = nodes[index].operation else { throw mergeAlone(index) }
        let t = trace
        let result = try withContext(context(index)) {
            try layer.backward(try conform(dy, to: t.output, what: "gradient"), input: t.input, output: t.output)
        }
        trace.gradients = result.parameters
        return result.input
    }

    public func update(_ pass: ForwardPass, learningRate: Double) throws {
        guard pass.traces.count == nodes.count else { throw LRPError.state("no forward pass through the graph yet") }
        for i in nodes.indices where !parameters(of: i).isEmpty {
            guard let t = pass.traces[i] else { throw LRPError.state("\(context(i)) has no forward pass yet") }
            try update(layer: i, trace: t, learningRate: learningRate)
        }
    }

    public func update(layer index: Int, trace: LayerTrace, learningRate: Double) throws {
        try checkLayer(index)
        guard learningRate.isFinite else { throw LRPError.argument("learning rate must be finite, got \(learningRate)") }
        guard case .layer(let layer) = nodes[index].operation else { return }
        try withContext(context(index)) {
            try layer.update(trace.gradients, outputShape: trace.output.shape, learningRate: learningRate)
        }
    }

    private func mergeAlone(_ index: Int) -> LRPError {
        LRPError.unsupported("\(context(index)) merges several inputs and cannot run on its own; run the whole graph")
    }
}
