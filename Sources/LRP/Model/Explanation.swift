/// What one backward pass of relevance computes besides the relevance of the model input.
public struct RelevanceRequest: Sendable {
    /// The rule for every layer; nil: each layer's preset.
    public var rule: Rule?
    /// The layer whose output the given relevance belongs to; nil: the model output. Layers after it take no part.
    public var start: Int?
    /// Layers whose input relevance to return (−1: the model input), in this order.
    public var layers: [Int]
    /// Whether to total the relevance at every layer's input per sample (a conservation diagnostic).
    public var sums: Bool
    /// Layers whose output relevance to return (all relevance reaching the layer's output, summed over the layers
    /// that read it), in this order.
    public var outputs: [Int]
    /// When set, the pass ends once the relevance at this layer's output is complete: neither it nor the layers
    /// below it run (the input relevance is then zero).
    public var until: Int?

    /// A request; the defaults give the input relevance only, with the presets.
    public init(rule: Rule? = nil, start: Int? = nil, layers: [Int] = [], sums: Bool = false, outputs: [Int] = [],
                until: Int? = nil) {
        self.rule = rule
        self.start = start
        self.layers = layers
        self.sums = sums
        self.outputs = outputs
        self.until = until
    }
}

/// The results of one relevance pass.
public struct RelevanceResult: Sendable {
    /// Relevance of the model input.
    public var input: Tensor
    /// Relevance at the input of each requested layer, in request order: shaped like the layer's input, or for a
    /// merge node the relevance of all its inputs one after the other (flat).
    public var atLayers: [Tensor]
    /// When requested: per layer, per sample, the total relevance the layer passes to its input(s) (NaN for
    /// layers the pass does not reach); empty otherwise.
    public var sums: [[Double]]
    /// When requested: per sample, the total of the relevance the pass starts with.
    public var startSums: [Double]
    /// Relevance at the output of each layer of `RelevanceRequest.outputs`, shaped like that output.
    public var atOutputs: [Tensor] = []
}

extension Network {
    /// The rule applied to the whole pass at the input, when the request (or every preset) asks for the input
    /// times the gradient or the squared gradient; each layer then passes the plain gradient.
    private func globalGradientRule(_ request: RelevanceRequest) -> Rule? {
        let candidates: [Rule] = [.gradientTimesInput, .sensitivity]
        if let rule = request.rule { return candidates.contains(rule) ? rule : nil }
        guard let first = presets.first, candidates.contains(first), presets.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    /// x⊙g or g² for a global gradient rule.
    private func transform(_ g: Tensor, input x: Tensor?, rule: Rule?) throws -> Tensor {
        guard let rule else { return g }
        func run<T: Real>(_: T.Type) throws -> Tensor {
            switch rule {
            case .gradientTimesInput:
                guard let x, x.count == g.count else { throw LRPError.state("gradient_x_input needs the input of the forward pass") }
                return try g.elementwise(x) { (g: T, x: T) in g * x }
            case .sensitivity:
                return try g.map { (g: T) in g * g }
            default: return try g.copy()
            }
        }
        return try g.precision.select(run(Double.self), run(Float.self))
    }

    /// Per-sample totals of `t` (batch first).
    private static func sampleSums(_ t: Tensor) -> [Double] {
        guard let batch = t.shape.first, batch > 0 else { return [] }
        let per = t.count / batch, p = t.data
        return (0..<batch).map { n in (0..<per).reduce(0.0) { $0 + p[n * per + $1] } }
    }

    /// Propagates `r` (the relevance of the output of `request.start`, default the model's output) back through
    /// the traces of `pass` to the model input, adding up the relevance that reaches a tensor from several layers,
    /// and returns what the request asks for.
    func explainNodes(_ r: Tensor, of pass: ForwardPass, request: RelevanceRequest,
                      step: (Int, Tensor, LayerTrace, Rule) throws -> [Tensor]) throws -> RelevanceResult {
        guard layerCount > 0 else { throw LRPError.state("the model has no layers") }
        guard pass.traces.count == layerCount else {
            throw LRPError.state("the forward pass has \(pass.traces.count) layers, the model \(layerCount)")
        }
        let start = request.start ?? outputIndex
        try checkLayer(start)
        for layer in request.layers where layer != -1 { try checkLayer(layer) }
        for layer in request.outputs { try checkLayer(layer) }
        if let until = request.until { try checkLayer(until) }
        guard let startTrace = pass.traces[start] else {
            throw LRPError.state("\(context(start)) has no forward pass yet: run forward first")
        }
        let global = globalGradientRule(request)
        let ruleOf = { (i: Int) -> Rule in global != nil ? .gradient : (request.rule ?? self.presets[i]) }
        var pending = [Tensor?](repeating: nil, count: layerCount)
        let initial = try withContext(context(start)) { try conform(r, to: startTrace.output, what: "relevance") }
        pending[start] = initial
        var atInput: Tensor?
        var collected: [Int: Tensor] = [:]
        var sums: [[Double]] = request.sums ? Array(repeating: [], count: layerCount) : []
        let wanted = Set(request.layers), wantedOutputs = Set(request.outputs)
        var outputsCollected: [Int: Tensor] = [:]
        for i in (0...start).reversed() {
            // Every layer that reads layer i comes after it: its output relevance is complete here.
            if wantedOutputs.contains(i) {
                guard let trace = pass.traces[i] else { throw LRPError.state("\(context(i)) has no forward pass yet: run forward first") }
                outputsCollected[i] = try pending[i] ?? Tensor.zeros(trace.output.shape, trace.output.precision)
            }
            if let until = request.until, i <= until { break }
            guard let signal = pending[i] else { continue }
            pending[i] = nil
            guard let trace = pass.traces[i] else { throw LRPError.state("\(context(i)) has no forward pass yet: run forward first") }
            let parts = try withContext(context(i)) { try step(i, signal, trace, ruleOf(i)) }
            if wanted.contains(i) {
                let shown = try zip(parts, trace.inputs).map { try transform($0, input: $1, rule: global) }
                collected[i] = shown.count == 1 ? shown[0] : try Tensor(shape: [shown.reduce(0) { $0 + $1.count }], data: shown.flatMap(\.data))
            }
            if request.sums {
                let perPart = parts.map { Self.sampleSums($0) }
                sums[i] = (0..<(perPart.first?.count ?? 0)).map { n in perPart.reduce(0) { $0 + $1[n] } }
            }
            for (source, part) in zip(inputs(of: i), parts) {
                if source == -1 {
                    atInput = try Self.add(atInput, part)
                } else {
                    pending[source] = try Self.add(pending[source], part)
                }
            }
        }
        let inputRelevance: Tensor
        if let atInput {
            inputRelevance = try transform(atInput, input: pass.input ?? (pass.traces[0]?.input), rule: global)
        } else {
            guard let x = pass.input else { throw LRPError.state("no full forward pass yet: run forward first") }
            inputRelevance = try Tensor.zeros(x.shape)
        }
        let atLayers = try request.layers.map { layer -> Tensor in
            if layer == -1 { return inputRelevance }
            guard let t = collected[layer] else {
                // Reached by nothing: zero relevance, shaped like the layer's input.
                guard let trace = pass.traces[layer] else { throw LRPError.state("\(context(layer)) has no forward pass yet: run forward first") }
                return trace.inputs.count == 1 ? try Tensor.zeros(trace.input.shape) : try Tensor.zeros([trace.inputs.reduce(0) { $0 + $1.count }])
            }
            return t
        }
        if request.sums {
            let batch = initial.shape.first ?? 1
            sums = sums.map { $0.isEmpty ? Array(repeating: .nan, count: batch) : $0 }
        }
        let atOutputs = try request.outputs.map { layer -> Tensor in
            if let t = outputsCollected[layer] { return t }
            // Above the start layer: no relevance reaches it.
            guard let trace = pass.traces[layer] else { throw LRPError.state("\(context(layer)) has no forward pass yet: run forward first") }
            return try Tensor.zeros(trace.output.shape, trace.output.precision)
        }
        return RelevanceResult(input: inputRelevance, atLayers: atLayers, sums: sums,
                               startSums: request.sums ? Self.sampleSums(initial) : [], atOutputs: atOutputs)
    }

    /// a + b (b alone when a is nil).
    static func add(_ a: Tensor?, _ b: Tensor) throws -> Tensor {
        guard let a else { return b }
        guard a.count == b.count else { throw LRPError.shape("relevance of \(a.count) and \(b.count) values meet at one tensor") }
        return try b.adding(a)
    }

    /// Relevance for several initial relevances (e.g. K target classes) of the same forward pass: one backward
    /// pass each, no forward.
    public func explain(targets: [Tensor], of pass: ForwardPass, request: RelevanceRequest) throws -> [RelevanceResult] {
        try targets.enumerated().map { k, r in
            try withContext("target \(k)") { try explain(r, of: pass, request: request) }
        }
    }
}
