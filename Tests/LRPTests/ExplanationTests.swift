import Foundation
import LRP
import Testing

/// A small CNN with every kind of layer the composites tell apart: Convolution (padded), Rect, SumPool, MaxPool,
/// AvgPool, BatchNorm, Flatten, Linear, Tanh, SoftMax.
func smallCNN(seed: UInt64) throws -> Sequential {
    var random = SeededRandom(seed: seed)
    return Sequential(layers: [
        try Convolution(filterHeight: 3, filterWidth: 3, inputChannels: 2, filters: 4, strideHeight: 1, strideWidth: 1,
                        weights: random.uniform(72), bias: random.uniform(4, in: -0.1...0.1), placement: WindowPlacement(padding: .same)),
        Rect(),
        try SumPool(pool: (2, 2), stride: (2, 2)),
        try Convolution(filterHeight: 2, filterWidth: 2, inputChannels: 4, filters: 3, strideHeight: 1, strideWidth: 1,
                        weights: random.uniform(48), bias: random.uniform(3, in: -0.1...0.1)),
        try BatchNorm(scale: random.uniform(3, in: 0.5...1.5), shift: random.uniform(3, in: -0.2...0.2)),
        Rect(),
        try AvgPool(pool: (2, 2), stride: (1, 1)),
        try MaxPool(pool: (1, 1), stride: (1, 1)),
        Flatten(),
        try Linear(inputs: 3, outputs: 5, weights: random.uniform(15), bias: random.uniform(5, in: -0.1...0.1)),
        Tanh(),
        try Linear(inputs: 5, outputs: 3, weights: random.uniform(15), bias: random.uniform(3, in: -0.1...0.1)),
        SoftMax(),
    ])
}

@Suite("Composites, relevance at every layer, many targets, the gradient family")
struct ExplanationTests {
    static let names = ["epsilon_plus", "epsilon_plus_flat", "epsilon_alpha2_beta1", "epsilon_alpha2_beta1_flat",
                        "epsilon_gamma_box", "sequential_preset_a", "sequential_preset_b", "sequential_preset_a_flat",
                        "sequential_preset_b_flat", "lrp_cmp"]

    /// The rule rules.md assigns to each layer kind in composite `name` (first = the first Linear/Convolution).
    static func expected(_ name: String, header: String, isFirst: Bool, isFirstConv: Bool, eps: Double, stab: Double = 1e-6) throws -> Rule {
        let kind = String(header.split(separator: " ")[0])
        let flatFirst = name.hasSuffix("_flat")
        switch kind {
        case "Convolution", "Linear":
            if flatFirst && isFirst { return .flatStabilized(epsilon: stab) }
            if name == "epsilon_gamma_box" && isFirstConv { return .zBox(try ZBox(low: [-1], high: [1], epsilon: stab)) }
            if kind == "Linear" { return .epsilon(eps) }
            switch name {
            case "epsilon_plus", "epsilon_plus_flat": return .zplus(epsilon: stab)
            case "epsilon_gamma_box": return .gamma(gamma: 0.25, epsilon: stab)
            case "sequential_preset_a", "sequential_preset_a_flat", "lrp_cmp": return .alphaBeta(alpha: 1, beta: 0, epsilon: stab)
            default: return .alphaBeta(alpha: 2, beta: 1, epsilon: stab)
            }
        case "SumPool", "AvgPool", "GlobalAvgPool", "MaxPool", "Add": return .norm(epsilon: stab)
        default: return .pass
        }
    }

    static func checkComposites(_ model: any Network, what: String) throws {
        var m = model
        let headers = (0..<m.layerCount).map { m.header(of: $0) }
        let first = headers.firstIndex { $0.hasPrefix("Linear") || $0.hasPrefix("Convolution") }
        let firstConv = headers.firstIndex { $0.hasPrefix("Convolution") }
        for name in Self.names {
            try m.applyComposite(name, parameters: name == "epsilon_gamma_box" ? "low=-1,high=1" : nil)
            let eps = name.hasPrefix("sequential") ? 0.1 : 1e-6
            for i in 0..<m.layerCount {
                let rule = try Self.expected(name, header: headers[i], isFirst: i == first, isFirstConv: i == firstConv, eps: eps)
                #expect(m.presets[i] == rule, "\(what) \(name) layer \(i) (\(headers[i])): \(m.presets[i]) ≠ \(rule)")
            }
        }
        // Parameters reach the rules; lrp_cmp's flat_layers and alpha.
        try m.applyComposite("epsilon_plus", parameters: "epsilon=0.25,stabilizer=0.001")
        if let dense = headers.firstIndex(where: { $0.hasPrefix("Linear") }) { #expect(m.presets[dense] == .epsilon(0.25)) }
        try m.applyComposite("lrp_cmp", parameters: "alpha=2,flat_layers=2,epsilon=0.01")
        let weighted = headers.indices.filter { headers[$0].hasPrefix("Linear") || headers[$0].hasPrefix("Convolution") }
        for (n, i) in weighted.enumerated() {
            let rule = m.presets[i]
            if n < 2 { #expect(rule == .flatStabilized(epsilon: 1e-6)) } else if headers[i].hasPrefix("Linear") {
                #expect(rule == .epsilon(0.01))
            } else { #expect(rule == .alphaBeta(alpha: 2, beta: 1, epsilon: 1e-6)) }
        }
    }

    @Test("composites assign the documented rule to each layer of LeNet-5, a small CNN and a Keras graph")
    func compositeAssignments() throws {
        try Self.checkComposites(try smallCNN(seed: 1), what: "small CNN")
        try Self.checkComposites(try FixtureImportTests.load(0, keep: true), what: "Keras residual graph")
        if Shared.enabled { try Self.checkComposites(try readChain(Shared.path("models/LeNet-5.txt")), what: "LeNet-5") }
        // Errors change nothing.
        var m = try smallCNN(seed: 1)
        try m.applyComposite("epsilon_plus")
        let before = m.presets
        #expect(throws: LRPError.self) { try m.applyComposite("epsilon_gamma_box") }             // low/high missing
        #expect(throws: LRPError.self) { try m.applyComposite("epsilon_plus", parameters: "gamma=2") }
        #expect(throws: LRPError.self) { try m.applyComposite("zennit_default") }
        #expect(m.presets == before)
    }

    @Test("composite files: presets written as segments read back to the same rules; segments set their layers")
    func compositeFiles() throws {
        let folder = try TemporaryFolder()
        var m = try smallCNN(seed: 2)
        try m.applyComposite("epsilon_gamma_box", parameters: "low=[-1 -2],high=[1 2]")
        try Composite.write(m, path: folder.path("c.json"))
        var other = try smallCNN(seed: 3)
        try other.applyComposite(folder.path("c.json"))
        #expect(other.presets == m.presets)
        let text = """
            {"format": "liblrp-composite", "version": 1,
             "segments": [{"first": 0, "last": 2, "rule": "flat:epsilon=1e-6"}, {"first": 9, "last": 11, "rule": "epsilon:0.5"}]}
            """
        try other.applyComposite(folder.write("s.json", text))
        #expect(other.presets[0] == .flatStabilized(epsilon: 1e-6) && other.presets[2] == .flatStabilized(epsilon: 1e-6))
        #expect(other.presets[3] == m.presets[3], "layers outside the segments keep their rules")
        #expect(other.presets[11] == .epsilon(0.5))
        #expect(throws: LRPError.self) { try other.applyComposite(folder.write("bad.json", text.replacingOccurrences(of: "11", with: "40"))) }
    }

    @Test("relevance at intermediate layers equals what the shorter networks give; starting inside the network too")
    func intermediateRelevance() throws {
        var model = try smallCNN(seed: 4)
        try model.applyComposite("epsilon_alpha2_beta1_flat")
        var random = SeededRandom(seed: 5)
        let x = try Tensor(shape: [3, 6, 6, 2], data: random.uniform(216))
        let pass = try model.forward(x)
        let y = try #require(pass.output)
        let layers = [-1, 0, 3, 6, 9, 12]
        let result = try model.explain(y, of: pass, request: RelevanceRequest(layers: layers, sums: true))
        #expect(result.atLayers[0] == result.input)
        for (k, layer) in layers.enumerated() where layer >= 0 {
            // The network from `layer` on, fed with that layer's input, with the same presets.
            var tail = Sequential(layers: Array(model.layers[layer...]))
            try tail.setPresets(Array(model.presets[layer...]))
            let tailPass = try tail.forward(try #require(pass.traces[layer]).input)
            let expected = try tail.relevance(y, of: tailPass, rule: nil)
            #expect(result.atLayers[k] == expected, "relevance at the input of layer \(layer)")
            // The sums: what reaches the layer's input, per sample.
            let perSample = expected.count / 3
            for n in 0..<3 {
                let total = expected.data[(n * perSample)..<((n + 1) * perSample)].reduce(0, +)
                #expect(abs(result.sums[layer][n] - total) <= 1e-12 * max(1, abs(total)))
            }
        }
        #expect(result.startSums.count == 3 && abs(result.startSums[0] - y.data[0..<3].reduce(0, +)) <= 1e-14)
        // Starting at layer 6 with some relevance there equals the network up to layer 6.
        let r6 = try Tensor(shape: try #require(pass.traces[6]).output.shape, data: random.uniform(try #require(pass.traces[6]).output.count))
        var head = Sequential(layers: Array(model.layers[...6]))
        try head.setPresets(Array(model.presets[...6]))
        let headPass = try head.forward(x)
        let fromInside = try model.explain(r6, of: pass, request: RelevanceRequest(start: 6, layers: [3], sums: true))
        #expect(fromInside.input == (try head.relevance(r6, of: headPass, rule: nil)))
        let unreached = fromInside.sums[9].allSatisfy { $0.isNaN }
        #expect(unreached, "layers after the start are not reached")
        // A graph: the same through Graph's nodes.
        let graph = try Graph(model)
        let graphPass = try graph.forward(x)
        let graphResult = try graph.explain(y, of: graphPass, request: RelevanceRequest(layers: layers))
        #expect(graphResult.atLayers.map(\.data) == result.atLayers.map(\.data))
    }

    @Test("relevance for K targets from one forward pass equals K separate runs")
    func manyTargets() throws {
        var model = try smallCNN(seed: 6)
        try model.applyComposite("epsilon_plus")
        var random = SeededRandom(seed: 7)
        let x = try Tensor(shape: [4, 6, 6, 2], data: random.uniform(288))
        let pass = try model.forward(x)
        let y = try #require(pass.output)
        let targets = try (0..<3).map { c in try Tensor(shape: y.shape, data: y.data.enumerated().map { $0.offset % 3 == c ? $0.element : 0 }) }
        let results = try model.explain(targets: targets, of: pass, request: RelevanceRequest())
        for (c, target) in targets.enumerated() {
            let separate = try model.relevance(target, of: try model.forward(x), rule: nil)
            #expect(results[c].input == separate, "target \(c)")
        }
    }

    @Test("the gradient family: gradient against central differences, ×input and squared at the input, DeconvNet and guided backprop at Rect")
    func gradientFamily() throws {
        let model = try smallCNN(seed: 8)
        var random = SeededRandom(seed: 9)
        let x = try Tensor(shape: [2, 6, 6, 2], data: random.uniform(144))
        let pass = try model.forward(x)
        let y = try #require(pass.output)
        let r = try Tensor(shape: y.shape, data: random.uniform(y.count))
        let gradient = try model.relevance(r, of: pass, rule: .gradient)
        let numeric = try GradientTests.numerical(x.data) { v in
            GradientTests.dot(try #require(try model.forward(try Tensor(shape: x.shape, data: v)).output).data, r.data)
        }
        #expect(relativeError(gradient.data, numeric) <= 1e-6)
        let gxi = try model.relevance(r, of: pass, rule: .gradientTimesInput)
        #expect(relativeError(gxi.data, zip(gradient.data, x.data).map { $0 * $1 }) <= 1e-15)
        let sensitivity = try model.relevance(r, of: pass, rule: .sensitivity)
        #expect(relativeError(sensitivity.data, gradient.data.map { $0 * $0 }) <= 1e-15)
        // As presets of every layer, the two act on the whole pass as well.
        var presetModel = model
        try presetModel.setPreset(.gradientTimesInput, layer: nil)
        #expect(try presetModel.relevance(r, of: pass, rule: nil) == gxi)

        // Linear → Rect → Linear by hand: DeconvNet passes max(0, ·) at the Rect, guided also masks by activity.
        let w1 = random.uniform(12), w2 = random.uniform(8)
        let net = Sequential(layers: [try Linear(inputs: 3, outputs: 4, weights: w1, bias: [0.1, -0.2, 0.3, -0.1]), Rect(),
                                      try Linear(inputs: 4, outputs: 2, weights: w2, bias: [0, 0])])
        let xs = try Tensor(shape: [1, 3], data: [0.5, -1, 2])
        let p = try net.forward(xs)
        let hidden = try #require(p.traces[1]).output.data
        let rs = [1.0, -2.0]
        let upper = (0..<4).map { i in (0..<2).reduce(0.0) { $0 + w2[i * 2 + $1] * rs[$1] } }
        func down(_ g: [Double]) -> [Double] { (0..<3).map { i in (0..<4).reduce(0.0) { $0 + w1[i * 4 + $1] * g[$1] } } }
        let rTensor = try Tensor(shape: [1, 2], data: rs)
        #expect(relativeError(try net.relevance(rTensor, of: p, rule: .deconvnet).data, down(upper.map { max($0, 0) })) <= 1e-14)
        #expect(relativeError(try net.relevance(rTensor, of: p, rule: .guidedBackprop).data,
                              down(zip(upper, hidden).map { g, h in h > 0 && g > 0 ? g : 0 })) <= 1e-14)
        #expect(relativeError(try net.relevance(rTensor, of: p, rule: .gradient).data,
                              down(zip(upper, hidden).map { g, h in h > 0 ? g : 0 })) <= 1e-14)
    }
}
