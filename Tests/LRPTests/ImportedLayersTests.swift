import Foundation
import LRP
import Testing

/// A padded convolution case: input, filter, stride, placement, and the padding and output size the
/// conventions prescribe (computed here by hand from them).
struct PaddedConvCase: CustomStringConvertible, Sendable {
    let input: [Int], hf: Int, wf: Int, nf: Int, sh: Int, sw: Int, placement: WindowPlacement, groups: Int
    let pads: (Int, Int, Int, Int), out: (Int, Int), note: String
    var description: String { note }
}

let paddedConvCases = [
    // Keras 'same', stride 2: Hout = ceil(7/2) = 4, total 2*3+3-7 = 2 → (1, 1); Wout = 4, total 3*2+3-8 = 1 → (0, 1).
    PaddedConvCase(input: [2, 7, 8, 3], hf: 3, wf: 3, nf: 4, sh: 2, sw: 2, placement: WindowPlacement(padding: .same), groups: 1,
                   pads: (1, 1, 0, 1), out: (4, 4), note: "same, stride 2"),
    // Keras 'same' with an even kernel: the extra row and column go to the bottom and right.
    PaddedConvCase(input: [2, 5, 6, 2], hf: 2, wf: 2, nf: 3, sh: 1, sw: 1, placement: WindowPlacement(padding: .same), groups: 1,
                   pads: (0, 1, 0, 1), out: (5, 6), note: "same, even kernel"),
    PaddedConvCase(input: [2, 5, 4, 2], hf: 3, wf: 2, nf: 3, sh: 1, sw: 2,
                   placement: WindowPlacement(padding: .explicit(top: 1, bottom: 2, left: 0, right: 1)), groups: 1,
                   pads: (1, 2, 0, 1), out: (6, 2), note: "explicit padding"),
    PaddedConvCase(input: [2, 6, 6, 4], hf: 3, wf: 3, nf: 6, sh: 1, sw: 1,
                   placement: WindowPlacement(padding: .explicit(top: 1, bottom: 1, left: 1, right: 1)), groups: 2,
                   pads: (1, 1, 1, 1), out: (6, 6), note: "Caffe pad 1, groups 2"),
    // Padding wider than the kernel: whole windows lie in the padding (found by the prototxt fuzz target, where
    // such windows trapped in im2col and wrote past their patch row).
    PaddedConvCase(input: [1, 4, 3, 2], hf: 2, wf: 2, nf: 3, sh: 1, sw: 2,
                   placement: WindowPlacement(padding: .explicit(top: 3, bottom: 4, left: 5, right: 3)), groups: 1,
                   pads: (3, 4, 5, 3), out: (10, 5), note: "padding wider than the kernel"),
]

@Suite("Layers for imported models against slow implementations")
struct ImportedLayersTests {
    @Test("padded and grouped convolutions: forward and every rule", arguments: paddedConvCases, Signs.allCases)
    func paddedConvolution(_ c: PaddedConvCase, _ signs: Signs) throws {
        var random = SeededRandom(seed: 31)
        let d = c.input[3]
        var weights = random.uniform(c.hf * c.wf * d * c.nf)
        // Grouped: the weights between groups are zero.
        for k in 0..<(c.hf * c.wf * d) { for f in 0..<c.nf where (k % d) / (d / c.groups) != f / (c.nf / c.groups) { weights[k * c.nf + f] = 0 } }
        let bias = random.uniform(c.nf, in: -0.2...0.2)
        let layer = try Convolution(filterHeight: c.hf, filterWidth: c.wf, inputChannels: d, filters: c.nf, strideHeight: c.sh,
                                    strideWidth: c.sw, weights: weights, bias: bias, placement: c.placement, groups: c.groups)
        let x = try Tensor(shape: c.input, data: signs.apply(random.uniform(try Shape.count(c.input))))
        let connections = Slow.paddedConvolution(shape: c.input, hf: c.hf, wf: c.wf, nf: c.nf, sh: c.sh, sw: c.sw, pads: c.pads,
                                                 out: c.out, groups: c.groups, weights: weights, bias: bias)
        let y = try layer.forward(x)
        #expect(y.shape == [c.input[0], c.out.0, c.out.1, c.nf])
        #expect(relativeError(y.data, Slow.forward(connections, x: x.data)) <= 1e-13)
        let r = try Tensor(shape: y.shape, data: random.uniform(y.count))
        for rule in allRules {
            let fast = try layer.relevance(r, input: x, output: y, rule: rule)
            let slow = Slow.affineRelevance(connections, x: x.data, r: r.data, rule: rule)
            #expect(relativeError(fast.data, slow) <= 1e-10, "\(c) \(signs) \(rule): \(relativeError(fast.data, slow))")
        }
    }

    /// (layer, padding, output size, divisor per window from the conventions).
    static func poolCases() throws -> [(String, any Layer, (Int, Int, Int, Int), (Int, Int), (Int, Int, Int) -> Double)] {
        let input = (7, 6)
        return [
            ("MaxPool same stride 2", try MaxPool(pool: (3, 2), stride: (2, 2), placement: WindowPlacement(padding: .same)),
             (1, 1, 0, 0), (4, 3), { _, _, _ in 1 }),
            ("MaxPool Caffe pad 1 rounding up", try MaxPool(pool: (3, 3), stride: (2, 2), placement: WindowPlacement(padding: .explicit(top: 1, bottom: 1, left: 1, right: 1), roundUp: true)),
             (1, 1, 1, 1), (4, 4), { _, _, _ in 1 }),
            ("AvgPool valid", try AvgPool(pool: (2, 2), stride: (2, 2)), (0, 0, 0, 0), (3, 3), { _, _, _ in 4 }),
            ("AvgPool same, divisor inside", try AvgPool(pool: (3, 2), stride: (2, 2), placement: WindowPlacement(padding: .same), divisor: .inside),
             (1, 1, 0, 0), (4, 3), { oh, ow, _ in
                 let rows = (oh * 2 - 1..<oh * 2 + 2).filter { $0 >= 0 && $0 < input.0 }.count
                 let cols = (ow * 2..<ow * 2 + 2).filter { $0 >= 0 && $0 < input.1 }.count
                 return Double(rows * cols) }),
            ("AvgPool Caffe pad 1 rounding up, divisor padded", try AvgPool(pool: (3, 3), stride: (2, 2),
             placement: WindowPlacement(padding: .explicit(top: 1, bottom: 1, left: 1, right: 1), roundUp: true), divisor: .padded),
             (1, 1, 1, 1), (4, 4), { oh, ow, _ in
                 let (r0, c0) = (oh * 2 - 1, ow * 2 - 1)
                 return Double((min(r0 + 3, input.0 + 1) - r0) * (min(c0 + 3, input.1 + 1) - c0)) }),
        ]
    }

    @Test("padded pools, rounding up, and the three AvgPool divisors: forward and every rule", arguments: 0..<5)
    func pools(_ index: Int) throws {
        let (name, layer, pads, out, divisor) = try Self.poolCases()[index]
        var random = SeededRandom(seed: 32)
        let shape = [2, 7, 6, 2]
        let x = try Tensor(shape: shape, data: Signs.mixed.apply(random.uniform(try Shape.count(shape))))
        let p = layer as? any PoolingLayer
        let (ph, pw) = p.map { ($0.pool.height, $0.pool.width) } ?? (1, 1)
        let windows = Slow.paddedPool(shape: shape, ph: ph, pw: pw, sh: 2, sw: 2, pads: pads, out: out)
        let y = try layer.forward(x)
        #expect(y.shape == [2, out.0, out.1, 2], "\(name)")
        let isMax = layer is MaxPool
        let expected: [Double] = windows.enumerated().map { j, o in
            if isMax { return o.inputs.filter { $0.index >= 0 }.map { x.data[$0.index] }.max() ?? 0 }
            let position = (j / 2) % (out.0 * out.1)
            return o.inputs.reduce(0) { $0 + Slow.value(x.data, $1.index) } / divisor(position / out.1, position % out.1, j % 2)
        }
        #expect(relativeError(y.data, expected) <= 1e-13, "\(name) forward")
        let r = try Tensor(shape: y.shape, data: random.uniform(y.count))
        for rule in allRules {
            let fast = try layer.relevance(r, input: x, output: y, rule: rule)
            let slow = isMax ? Slow.maxPoolRelevance(windows, x: x.data, r: r.data, rule: rule)
                             : Slow.sumPoolRelevance(windows, x: x.data, r: r.data, rule: rule)
            #expect(relativeError(fast.data, slow) <= 1e-10, "\(name) \(rule)")
        }
    }

    @Test("BatchNorm relevance is that of a Linear layer with diagonal weights", arguments: Signs.allCases)
    func batchNorm(_ signs: Signs) throws {
        var random = SeededRandom(seed: 33)
        let scale = random.uniform(5).map { $0 == 0 ? 0.5 : $0 }, shift = random.uniform(5)
        let layer = try BatchNorm(scale: scale, shift: shift)
        let x = try Tensor(shape: [2, 3, 5], data: signs.apply(random.uniform(30)))
        let connections = (0..<30).map { Slow.Output(inputs: [($0, scale[$0 % 5])], bias: shift[$0 % 5]) }
        let y = try layer.forward(x)
        #expect(relativeError(y.data, Slow.forward(connections, x: x.data)) <= 1e-14)
        let r = try Tensor(shape: y.shape, data: random.uniform(30))
        for rule in allRules {
            let fast = try layer.relevance(r, input: x, output: y, rule: rule)
            #expect(relativeError(fast.data, Slow.affineRelevance(connections, x: x.data, r: r.data, rule: rule)) <= 1e-12, "\(rule)")
        }
        let statistics = try BatchNorm.fromStatistics(gamma: [2, 1], beta: [0.5, -1], mean: [1, 0], variance: [3, 0.25], epsilon: 1)
        #expect(statistics.scale.data == [1, 1 / (1.25).squareRoot()] && statistics.shift.data == [-0.5, -1])
        // Merging into a preceding Linear gives the same outputs.
        let linear = try Linear(inputs: 3, outputs: 5, weights: random.uniform(15), bias: random.uniform(5))
        let input = try Tensor(shape: [4, 3], data: random.uniform(12))
        let merged = try layer.merged(into: linear)
        #expect(relativeError(try merged.forward(input).data, try layer.forward(try linear.forward(input)).data) <= 1e-14)
    }

    @Test("Add and Concatenate: forward and every rule")
    func merges() throws {
        var random = SeededRandom(seed: 34)
        let xs = try (0..<3).map { _ in try Tensor(shape: [2, 3, 2], data: random.uniform(12, in: -2...2)) }
        let add = Add()
        let y = try add.forward(xs)
        #expect(relativeError(y.data, (0..<12).map { i in xs.reduce(0) { $0 + $1.data[i] } }) <= 1e-15)
        let r = try Tensor(shape: y.shape, data: random.uniform(12))
        for rule in allRules {
            let parts = try add.relevance(r, inputs: xs, output: y, rule: rule)
            for i in 0..<12 {
                let values = xs.map { $0.data[i] }
                let expected: [Double]
                switch rule {
                case .simple, .epsilon:
                    var eps = 1e-16
                    if case .epsilon(let e) = rule { eps = e }
                    let s = values.reduce(0, +)
                    expected = values.map { $0 * r.data[i] / (s + eps * (s >= 0 ? 1 : -1)) }
                case .alphabeta(let alpha):
                    let plus = values.map { max($0, 0) }.reduce(0, +), minus = values.map { min($0, 0) }.reduce(0, +)
                    expected = values.map { v in
                        (alpha != 0 ? alpha * max(v, 0) / (plus + 1e-16) : 0) + (alpha != 1 ? (1 - alpha) * min(v, 0) / (minus - 1e-16) : 0)
                    }.map { $0 * r.data[i] }
                case .ww, .flat:
                    expected = values.map { _ in r.data[i] / 3 }
                default:
                    Issue.record("not a toolbox rule: \(rule)")
                    expected = []
                }
                #expect(relativeError(parts.map { $0.data[i] }, expected) <= 1e-12, "\(rule) at \(i)")
            }
        }
        let a = try Tensor(shape: [2, 2, 1], data: [1, 2, 3, 4]), b = try Tensor(shape: [2, 2, 3], data: (0..<12).map(Double.init))
        let joined = try Concatenate().forward([a, b])
        #expect(joined.shape == [2, 2, 4] && joined.data == [1, 0, 1, 2, 2, 3, 4, 5, 3, 6, 7, 8, 4, 9, 10, 11])
        let split = try Concatenate().relevance(joined, inputs: [a, b], output: joined, rule: .simple)
        #expect(split[0] == a && split[1] == b)
    }

    @Test("LRN, Sigmoid, ZeroPadding, GlobalAvgPool, Reshape: forward values and relevance")
    func elementwise() throws {
        var random = SeededRandom(seed: 35)
        let x = try Tensor(shape: [2, 3, 2, 5], data: random.uniform(60, in: -2...2))
        let lrn = try LRN(size: 3, alpha: 0.5, beta: 0.75, k: 2)
        let y = try lrn.forward(x)
        for i in 0..<60 {
            let c = i % 5, base = i - c
            let total = (max(0, c - 1)...min(4, c + 1)).reduce(0.0) { $0 + x.data[base + $1] * x.data[base + $1] }
            #expect(abs(y.data[i] - x.data[i] * pow(2 + 0.5 / 3 * total, -0.75)) <= 1e-14)
        }
        #expect(try lrn.relevance(y, input: x, output: y, rule: .epsilon(1)) == y)
        #expect(try Sigmoid().forward(x).data == x.data.map { 1 / (1 + exp(-$0)) })
        let padded = try ZeroPadding(top: 1, bottom: 0, left: 2, right: 1).forward(x)
        #expect(padded.shape == [2, 4, 5, 5] && padded.data.reduce(0, +) - x.data.reduce(0, +) < 1e-12)
        #expect(try ZeroPadding(top: 1, bottom: 0, left: 2, right: 1).relevance(padded, input: x, output: padded, rule: .simple) == x)
        let gap = try GlobalAvgPool().forward(x)
        #expect(gap.shape == [2, 5])
        let xs = x.data
        var means = [Double](repeating: 0, count: 10)
        for j in 0..<10 {
            var total = 0.0
            for p in 0..<6 { total += xs[(j / 5) * 30 + p * 5 + j % 5] }
            means[j] = total / 6
        }
        #expect(relativeError(gap.data, means) <= 1e-14)
        let rGap = try GlobalAvgPool().relevance(gap, input: x, output: gap, rule: .epsilon(0.1))
        let windows = Slow.pool(shape: [2, 3, 2, 5], ph: 3, pw: 2, sh: 1, sw: 1)
        #expect(relativeError(rGap.data, Slow.sumPoolRelevance(windows, x: x.data, r: gap.data, rule: .epsilon(0.1))) <= 1e-12)
        #expect(try Reshape(target: [6, 5]).forward(x).shape == [2, 6, 5])
    }

    @Test("gradients of the new layers against finite differences")
    func gradients() throws {
        var random = SeededRandom(seed: 36)
        try GradientTests.check("padded strided convolution", inputShape: [2, 5, 6, 2], parameters: [random.uniform(3 * 3 * 2 * 3), random.uniform(3)]) { p in
            try Convolution(filterHeight: 3, filterWidth: 3, inputChannels: 2, filters: 3, strideHeight: 2, strideWidth: 2,
                            weights: p[0], bias: p[1], placement: WindowPlacement(padding: .same))
        }
        try GradientTests.check("AvgPool Caffe", inputShape: [2, 6, 5, 2]) { _ in
            try AvgPool(pool: (3, 3), stride: (2, 2), placement: WindowPlacement(padding: .explicit(top: 1, bottom: 1, left: 1, right: 1), roundUp: true), divisor: .padded)
        }
        try GradientTests.check("MaxPool same", inputShape: [2, 5, 5, 2]) { _ in try MaxPool(pool: (2, 2), stride: (2, 2), placement: WindowPlacement(padding: .same)) }
        try GradientTests.check("BatchNorm", inputShape: [3, 4], parameters: [random.uniform(4), random.uniform(4)]) { p in try BatchNorm(scale: p[0], shift: p[1]) }
        try GradientTests.check("LRN", inputShape: [2, 2, 2, 5]) { _ in try LRN(size: 5, alpha: 0.3, beta: 0.75, k: 1.5) }
        try GradientTests.check("Sigmoid", inputShape: [3, 4]) { _ in Sigmoid() }
        try GradientTests.check("ZeroPadding", inputShape: [2, 3, 3, 2]) { _ in try ZeroPadding(top: 1, bottom: 2, left: 0, right: 1) }
        try GradientTests.check("GlobalAvgPool", inputShape: [2, 3, 4, 2]) { _ in GlobalAvgPool() }
    }
}

@Suite("Graphs")
struct GraphTests {
    static func layers() throws -> [any Layer] {
        var random = SeededRandom(seed: 40)
        return [try Convolution(filterHeight: 3, filterWidth: 3, inputChannels: 2, filters: 4, strideHeight: 1, strideWidth: 1,
                                weights: random.uniform(72), bias: random.uniform(4), placement: WindowPlacement(padding: .same)),
                Rect(), try AvgPool(pool: (2, 2), stride: (2, 2)), Flatten(),
                try Linear(inputs: 36, outputs: 3, weights: random.uniform(108), bias: random.uniform(3)), SoftMax()]
    }

    @Test("a graph that is a chain gives exactly what Sequential gives")
    func chainEqualsSequential() throws {
        let chain = try Self.layers()
        let graph = try Graph(nodes: chain.enumerated().map { Graph.Node(name: "n\($0)", operation: .layer($1), inputs: [$0 - 1]) },
                              output: chain.count - 1)
        let sequential = Sequential(layers: chain)
        #expect(graph.chain != nil)
        var random = SeededRandom(seed: 41)
        let x = try Tensor(shape: [3, 6, 6, 2], data: random.uniform(216))
        let (a, b) = (try graph.forward(x), try sequential.forward(x))
        #expect(a.output == b.output)
        for rule in allRules {
            #expect(try graph.relevance(try #require(a.output), of: a, rule: rule) == (try sequential.relevance(try #require(b.output), of: b, rule: rule)))
        }
        var (pa, pb) = (a, b)
        #expect(try graph.backward(try #require(a.output), pass: &pa) == (try sequential.backward(try #require(b.output), pass: &pb)))
    }

    @Test("a residual graph with Add and Concatenate: relevance adds up where a tensor feeds two nodes")
    func residual() throws {
        var random = SeededRandom(seed: 42)
        let conv = try Convolution(filterHeight: 3, filterWidth: 3, inputChannels: 2, filters: 2, strideHeight: 1, strideWidth: 1,
                                   weights: random.uniform(36), bias: random.uniform(2), placement: WindowPlacement(padding: .same))
        let linear = try Linear(inputs: 4 * 4 * 4, outputs: 3, weights: random.uniform(192), bias: random.uniform(3))
        // x → conv → rect → add(x, ·) → concat(add, x) → flatten → linear
        let graph = try Graph(nodes: [
            .init(name: "conv", operation: .layer(conv), inputs: [-1]),
            .init(name: "rect", operation: .layer(Rect()), inputs: [0]),
            .init(name: "add", operation: .merge(Add()), inputs: [-1, 1]),
            .init(name: "concat", operation: .merge(Concatenate()), inputs: [2, -1]),
            .init(name: "flatten", operation: .layer(Flatten()), inputs: [3]),
            .init(name: "linear", operation: .layer(linear), inputs: [4]),
        ], output: 5)
        #expect(graph.chain == nil)
        let x = try Tensor(shape: [2, 4, 4, 2], data: random.uniform(64))
        let pass = try graph.forward(x)
        let output = try #require(pass.output)
        for rule in allRules {
            let ours = try graph.relevance(output, of: pass, rule: rule)
            // By hand: each layer's own relevance, the pieces summed where x is used twice.
            let t = { (i: Int) in pass.traces[i]! }
            let rLinear = try linear.relevance(output, input: t(5).input, output: t(5).output, rule: rule)
            let rFlat = try Flatten().relevance(rLinear, input: t(4).input, output: t(4).output, rule: rule)
            let rConcat = try Concatenate().relevance(rFlat, inputs: t(3).inputs, output: t(3).output, rule: rule)
            let rAdd = try Add().relevance(rConcat[0], inputs: t(2).inputs, output: t(2).output, rule: rule)
            let rConv = try conv.relevance(rAdd[1], input: t(0).input, output: t(0).output, rule: rule)
            let expected = (0..<x.count).map { rConcat[1].data[$0] + rAdd[0].data[$0] + rConv.data[$0] }
            #expect(relativeError(ours.data, expected) <= 1e-14, "\(rule)")
        }
        // Gradients add up the same way: compare with central differences of Σ dy·graph(x).
        var gradientPass = pass
        let dx = try graph.backward(output, pass: &gradientPass)
        let numeric = try GradientTests.numerical(x.data) { v in
            GradientTests.dot(try #require(try graph.forward(try Tensor(shape: x.shape, data: v)).output).data, output.data)
        }
        // The toolbox's Linear scales its dx by sqrt(m)/sqrt(n) (here sqrt(64/3)); every path passes through it once.
        let conditioning = (64.0 / 3.0).squareRoot()
        #expect(relativeError(dx.data.map { $0 / conditioning }, numeric) <= 1e-6)
    }
}
