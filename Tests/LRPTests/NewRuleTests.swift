import Foundation
import LRP
import Testing

/// The rules of current practice (spec/rules.md) on every layer type, against `Slow.newRule` written from the
/// formulas, on inputs of both signs: zplus, zennit's alphabeta, gamma, zb (scalar and per-channel bounds),
/// norm, zennit's flat and w², and the unified rule.
let newRules: [Rule] = [
    .zplus(epsilon: 1e-6), .alphaBeta(alpha: 2, beta: 1, epsilon: 1e-6), .alphaBeta(alpha: 1, beta: 0, epsilon: 1e-6),
    .alphaBeta(alpha: 1.5, beta: 0.7, epsilon: 0.01), .gamma(gamma: 0.25, epsilon: 1e-6), .gamma(gamma: 1, epsilon: 0.1),
    .norm(epsilon: 1e-6), .norm(epsilon: 0.3), .flatStabilized(epsilon: 1e-6), .wSquareStabilized(epsilon: 1e-6),
    .unified({ var u = UnifiedRule(); u.gamma1p = 0.5; return u }()),
    .unified({ var u = UnifiedRule(); u.alpha = 1.5; u.beta = 0.5; u.theta0 = 0.2; u.theta1 = 0.9; u.gamma0 = 0.1; u.gamma1 = 0.7
               u.gamma1p = 0.3; u.gamma1n = -0.2; u.gamma2 = 0.4; u.epsilon = 0.01; return u }()),
]

/// zᴮ bounds: one pair for all channels and one per channel.
func boxRules(channels: Int) throws -> [Rule] {
    [.zBox(try ZBox(low: [-1.5], high: [1.2])),
     .zBox(try ZBox(low: (0..<channels).map { -1 - 0.1 * Double($0) }, high: (0..<channels).map { 0.5 + 0.2 * Double($0) }, epsilon: 1e-4))]
}

@Suite("Rules of current practice against slow implementations from rules.md")
struct NewRuleTests {
    /// zᴮ's bound for input index i of an N×…×C tensor.
    static func bound(_ rule: Rule, channels: Int) -> ((Int) -> Double, (Int) -> Double) {
        guard case .zBox(let box) = rule else { return ({ _ in 0 }, { _ in 0 }) }
        return ({ box.low.count == 1 ? box.low[0] : box.low[$0 % channels] }, { box.high.count == 1 ? box.high[0] : box.high[$0 % channels] })
    }

    static func check(_ layer: any Layer, _ x: Tensor, _ connections: [Slow.Output], channels: Int, what: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        var random = SeededRandom(seed: 61)
        let y = try layer.forward(x)
        let r = try Tensor(shape: y.shape, data: random.uniform(y.count))
        for rule in newRules + (try boxRules(channels: channels)) {
            let fast = try layer.relevance(r, input: x, output: y, rule: rule)
            let (low, high) = bound(rule, channels: channels)
            let slow = Slow.affineRelevance(connections, x: x.data, r: r.data, rule: rule, low: low, high: high)
            let error = relativeError(fast.data, slow)
            #expect(error <= 1e-10, "\(what) \(rule): relative error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("Linear", arguments: Signs.allCases)
    func linear(_ signs: Signs) throws {
        var random = SeededRandom(seed: 62)
        let (m, n) = (7, 5)
        let (w, b) = (random.uniform(m * n), random.uniform(n, in: -0.3...0.3))
        let x = try Tensor(shape: [3, m], data: signs.apply(random.uniform(3 * m)))
        try Self.check(try Linear(inputs: m, outputs: n, weights: w, bias: b), x,
                       Slow.linear(batch: 3, m: m, n: n, weights: w, bias: b), channels: m, what: "Linear \(signs)")
    }

    @Test("Convolution: strides, padding, groups", arguments: convCases.prefix(3).map { $0 } , Signs.allCases)
    func convolution(_ c: ConvCase, _ signs: Signs) throws {
        var random = SeededRandom(seed: 63)
        let d = c.input[3]
        let (w, b) = (random.uniform(c.hf * c.wf * d * c.nf), random.uniform(c.nf, in: -0.3...0.3))
        let x = try Tensor(shape: c.input, data: signs.apply(random.uniform(try Shape.count(c.input))))
        let layer = try Convolution(filterHeight: c.hf, filterWidth: c.wf, inputChannels: d, filters: c.nf, strideHeight: c.sh,
                                    strideWidth: c.sw, weights: w, bias: b)
        try Self.check(layer, x, Slow.convolution(shape: c.input, hf: c.hf, wf: c.wf, nf: c.nf, sh: c.sh, sw: c.sw, weights: w, bias: b),
                       channels: d, what: "\(c) \(signs)")
    }

    @Test("padded and grouped convolutions", arguments: paddedConvCases, [Signs.mixed, .nonNegative])
    func paddedConvolution(_ c: PaddedConvCase, _ signs: Signs) throws {
        var random = SeededRandom(seed: 64)
        let d = c.input[3]
        var w = random.uniform(c.hf * c.wf * d * c.nf)
        for k in 0..<(c.hf * c.wf * d) { for f in 0..<c.nf where (k % d) / (d / c.groups) != f / (c.nf / c.groups) { w[k * c.nf + f] = 0 } }
        let b = random.uniform(c.nf, in: -0.2...0.2)
        let layer = try Convolution(filterHeight: c.hf, filterWidth: c.wf, inputChannels: d, filters: c.nf, strideHeight: c.sh,
                                    strideWidth: c.sw, weights: w, bias: b, placement: c.placement, groups: c.groups)
        let x = try Tensor(shape: c.input, data: signs.apply(random.uniform(try Shape.count(c.input))))
        // Slow connections leave the structural zeros between groups out: they are not connections.
        let connections = Slow.paddedConvolution(shape: c.input, hf: c.hf, wf: c.wf, nf: c.nf, sh: c.sh, sw: c.sw, pads: c.pads,
                                                 out: c.out, groups: c.groups, weights: w, bias: b)
        try Self.check(layer, x, connections, channels: d, what: "\(c) \(signs)")
    }

    @Test("BatchNorm as a diagonal affine map", arguments: Signs.allCases)
    func batchNorm(_ signs: Signs) throws {
        var random = SeededRandom(seed: 65)
        let c = 3
        let (scale, shift) = (random.uniform(c), random.uniform(c, in: -0.4...0.4))
        let x = try Tensor(shape: [2, 2, 2, c], data: signs.apply(random.uniform(24)))
        let connections = (0..<24).map { Slow.Output(inputs: [($0, scale[$0 % c])], bias: shift[$0 % c]) }
        try Self.check(try BatchNorm(scale: scale, shift: shift), x, connections, channels: c, what: "BatchNorm \(signs)")
    }

    @Test("sum-like pools as affine maps with their scale as weights", arguments: [0, 1, 2])
    func pools(_ index: Int) throws {
        var random = SeededRandom(seed: 66)
        let shape = [2, 7, 6, 2]
        let x = try Tensor(shape: shape, data: Signs.mixed.apply(random.uniform(try Shape.count(shape))))
        let cases: [(String, any Layer, (Int, Int, Int, Int), (Int, Int), Int, Int, (Slow.Output) -> Double)] = [
            ("SumPool 3x3 stride 2", try SumPool(pool: (3, 3), stride: (2, 2)), (0, 0, 0, 0), (3, 2), 3, 3, { _ in 1 / 3.0 }),
            ("AvgPool same, divisor inside", try AvgPool(pool: (3, 2), stride: (2, 2), placement: WindowPlacement(padding: .same), divisor: .inside),
             (1, 1, 0, 0), (4, 3), 3, 2, { o in 1 / Double(o.inputs.filter { $0.index >= 0 }.count) }),
            ("AvgPool Caffe pad 1, round up, divisor padded", try AvgPool(pool: (3, 3), stride: (2, 2),
             placement: WindowPlacement(padding: .explicit(top: 1, bottom: 1, left: 1, right: 1), roundUp: true), divisor: .padded),
             (1, 1, 1, 1), (4, 4), 3, 3, { _ in 0 }),
        ]
        let (name, layer, pads, out, ph, pw, weight) = cases[index]
        var windows = Slow.paddedPool(shape: shape, ph: ph, pw: pw, sh: 2, sw: 2, pads: pads, out: out)
        // The Caffe divisor: the window clipped to the padded input (computed from the window position).
        for (j, o) in windows.enumerated() {
            var w = weight(o)
            if index == 2 {
                let position = (j / 2) % (out.0 * out.1)
                let r0: Int = (position / out.1) * 2 - 1
                let c0: Int = (position % out.1) * 2 - 1
                let rows: Int = min(r0 + 3, 8) - r0
                let cols: Int = min(c0 + 3, 7) - c0
                w = 1 / Double(rows * cols)
            }
            windows[j].inputs = o.inputs.map { ($0.index, w) }
        }
        #expect(relativeError(try layer.forward(x).data, Slow.forward(windows, x: x.data)) <= 1e-13, "\(name) forward")
        try Self.check(layer, x, windows, channels: 2, what: name)
    }

    @Test("Add as an affine map with weights 1, and MaxPool sending relevance to the maximum")
    func addAndMaxPool() throws {
        var random = SeededRandom(seed: 67)
        let xs = try (0..<3).map { _ in try Tensor(shape: [2, 3, 2], data: random.uniform(12)) }
        let add = Add()
        let y = try add.forward(xs)
        let r = try Tensor(shape: y.shape, data: random.uniform(12))
        let joined = xs.flatMap(\.data)
        let connections = (0..<12).map { j in Slow.Output(inputs: (0..<3).map { (k: Int) in (k * 12 + j, 1.0) }, bias: 0) }
        for rule in newRules + (try boxRules(channels: 2)) {
            let parts = try add.relevance(r, inputs: xs, output: y, rule: rule)
            let (low, high) = Self.bound(rule, channels: 2)
            let slow = Slow.affineRelevance(connections, x: joined, r: r.data, rule: rule, low: low, high: high)
            #expect(relativeError(parts.flatMap(\.data), slow) <= 1e-10, "Add \(rule)")
        }
        let pool = try MaxPool(pool: (2, 2), stride: (1, 1))
        let x = try Tensor(shape: [1, 3, 3, 2], data: random.uniform(18))
        let py = try pool.forward(x)
        let pr = try Tensor(shape: py.shape, data: random.uniform(py.count))
        let windows = Slow.pool(shape: [1, 3, 3, 2], ph: 2, pw: 2, sh: 1, sw: 1)
        for rule in newRules {
            let fast = try pool.relevance(pr, input: x, output: py, rule: rule)
            let uniform: Bool
            switch rule {
            case .flatStabilized, .wSquareStabilized: uniform = true
            case .unified(let u): uniform = u.theta1 == 0
            default: uniform = false
            }
            let expected = Slow.maxPoolRelevance(windows, x: x.data, r: pr.data, rule: uniform ? .flat : .simple)
            #expect(relativeError(fast.data, expected) <= 1e-14, "MaxPool \(rule)")
        }
    }

    @Test("pass: element-wise and reshaping layers pass relevance on; layers with weights and pools refuse it")
    func pass() throws {
        var random = SeededRandom(seed: 68)
        let x = try Tensor(shape: [2, 4, 4, 2], data: random.uniform(64))
        for layer in [Rect(), Tanh(), Sigmoid(), try LRN(size: 3, alpha: 0.1, beta: 0.75, k: 1)] as [any Layer] {
            let y = try layer.forward(x)
            #expect(try layer.relevance(y, input: x, output: y, rule: .pass) == y, "\(layer.header)")
        }
        let flat = try Flatten().forward(x)
        #expect(try Flatten().relevance(flat, input: x, output: flat, rule: .pass).shape == x.shape)
        let bn = try BatchNorm(scale: [2, 3], shift: [0, 1])
        let bnY = try bn.forward(x)
        #expect(try bn.relevance(bnY, input: x, output: bnY, rule: .pass) == bnY)
        let conv = try Convolution(filterHeight: 2, filterWidth: 2, inputChannels: 2, filters: 1, strideHeight: 1, strideWidth: 1,
                                   weights: random.uniform(8), bias: [0])
        let cy = try conv.forward(x)
        #expect(throws: LRPError.argument("the pass rule is for element-wise layers; a layer with weights needs an LRP rule")) {
            try conv.relevance(cy, input: x, output: cy, rule: .pass)
        }
        let pool = try SumPool(pool: (2, 2), stride: (2, 2))
        let py = try pool.forward(x)
        #expect(throws: LRPError.self) { try pool.relevance(py, input: x, output: py, rule: .pass) }
        #expect(throws: LRPError.self) { try MaxPool(pool: (2, 2), stride: (2, 2)).relevance(py, input: x, output: py, rule: .pass) }
    }

    @Test("the unified rule's presets equal the rules they stand for (bias-free layers; γ: non-negative inputs, positive outputs)")
    func unifiedPresets() throws {
        var random = SeededRandom(seed: 69)
        let (m, n) = (6, 4)
        let w = random.uniform(m * n, in: -0.2...1)   // mostly positive: every output of positive inputs is positive
        let layer = try Linear(inputs: m, outputs: n, weights: w, bias: Array(repeating: 0, count: n))
        let conv = try Convolution(filterHeight: 2, filterWidth: 2, inputChannels: 2, filters: 3, strideHeight: 1, strideWidth: 1,
                                   weights: random.uniform(24, in: -0.2...1), bias: [0, 0, 0])
        let cases: [(any Layer, Tensor)] = [
            (layer, try Tensor(shape: [3, m], data: random.uniform(3 * m, in: 0...1))),
            (conv, try Tensor(shape: [2, 4, 4, 2], data: random.uniform(64, in: 0...1))),
        ]
        func unified(_ preset: String, _ parameter: Double? = nil, epsilon: Double = 0) throws -> Rule {
            var u = try UnifiedRule.preset(preset, parameter: parameter)
            u.epsilon = epsilon
            return .unified(u)
        }
        let pairs: [(Rule, Rule, Double)] = [
            (try unified("lrp0"), .simple, 1e-12),
            (try unified("epsilon", 0.1, epsilon: 0.1), .epsilon(0.1), 1e-14),
            (try unified("gamma", 0.25, epsilon: 1e-6), .gamma(gamma: 0.25, epsilon: 1e-6), 1e-14),
            (try unified("alphabeta", 2, epsilon: 1e-6), .alphaBeta(alpha: 2, beta: 1, epsilon: 1e-6), 1e-14),
            (try unified("zplus", epsilon: 1e-6), .zplus(epsilon: 1e-6), 1e-14),
            (try unified("w2"), .ww, 1e-14),
            (try unified("flat"), .flat, 1e-14),
        ]
        for (layer, x) in cases {
            let y = try layer.forward(x)
            #expect(y.data.allSatisfy { $0 > 0 })
            for (a, b, tolerance) in pairs {
                let error = relativeError(try layer.relevance(y, input: x, output: y, rule: a).data,
                                          try layer.relevance(y, input: x, output: y, rule: b).data)
                #expect(error <= tolerance, "\(layer.header): \(a) vs \(b): \(error)")
            }
        }
    }

    @Test("rule specs: parsing, the canonical form reads back, errors name the problem")
    func specs() throws {
        #expect(try Rule(spec: "gamma:0.5") == .gamma(gamma: 0.5, epsilon: 1e-6))
        #expect(try Rule(spec: "gamma:gamma=0.5,epsilon=0.01") == .gamma(gamma: 0.5, epsilon: 0.01))
        #expect(try Rule(spec: "alphabeta:2") == .alphabeta(alpha: 2))
        #expect(try Rule(spec: "alphabeta:alpha=2,beta=1") == .alphaBeta(alpha: 2, beta: 1, epsilon: 1e-6))
        #expect(try Rule(spec: "zb:low=-1,high=1") == .zBox(try ZBox(low: [-1], high: [1])))
        #expect(try Rule(spec: "zb:-1,1") == .zBox(try ZBox(low: [-1], high: [1])))
        #expect(try Rule(spec: "zb:low=[-1 -2],high=[1 2],epsilon=0") == .zBox(try ZBox(low: [-1, -2], high: [1, 2], epsilon: 0)))
        #expect(try Rule(spec: "flat:epsilon=1e-6") == .flatStabilized(epsilon: 1e-6))
        #expect(try Rule(spec: "EPSILON:0.25") == .epsilon(0.25))
        #expect(try Rule(spec: "unified:gamma,gamma1p=0.5").spec.contains("gamma1p=0.5"))
        #expect(try Rule(nameOrSpec: "epsilon", parameter: 0.5) == .epsilon(0.5))
        #expect(try Rule(nameOrSpec: "epsilon:0.5", parameter: 7) == .epsilon(0.5))
        for rule in newRules + (try boxRules(channels: 3)) + allRules + [.pass, .gradient, .gradientTimesInput, .sensitivity, .deconvnet, .guidedBackprop] {
            #expect(try Rule(spec: rule.spec) == rule, "\(rule.spec)")
        }
        let failures: [(String, String)] = [
            ("gamma:gamma=-1", "γ ≥ 0"), ("zb:low=1,high=-1", "low ≤ high"), ("zb:low=1", "needs low and high"),
            ("epsilon", "needs ε"), ("gamma:delta=2", "unknown parameter 'delta'"), ("unified:kappa=1", "unknown unified parameter 'kappa'"),
            ("pass:3", "takes no parameters"), ("zb:low=[1 2,high=3", "unclosed"), ("lrp:2", "unknown rule 'lrp'"),
            ("epsilon:abc", "finite number"),
        ]
        for (spec, fragment) in failures {
            do {
                _ = try Rule(spec: spec)
                Issue.record("'\(spec)' was accepted")
            } catch let error as LRPError {
                #expect(error.message.contains(fragment) && error.message.contains(spec), "'\(spec)': \(error.message)")
            }
        }
    }
}
