import Foundation
import LRP
import Testing

/// The rules every layer is checked with: all toolbox rules, α = 1, 2, 0 (β only), 0.5, several ε.
let allRules: [Rule] = [.simple, .epsilon(0.01), .epsilon(1), .alphabeta(alpha: 1), .alphabeta(alpha: 2),
                        .alphabeta(alpha: 0), .alphabeta(alpha: 0.5), .ww, .flat]

/// Input signs that matter for alphabeta: both signs, only non-negative (after Rect), only non-positive.
enum Signs: String, CaseIterable, Sendable {
    case mixed, nonNegative, nonPositive
    func apply(_ values: [Double]) -> [Double] {
        switch self {
        case .mixed: return values
        case .nonNegative: return values.map { abs($0) * ($0 > 0.6 ? 0 : 1) }
        case .nonPositive: return values.map { -abs($0) }
        }
    }
}

/// A convolution configuration: input N×H×W×D, filter hf×wf, nf filters, stride.
struct ConvCase: CustomStringConvertible, Sendable {
    let input: [Int], hf: Int, wf: Int, nf: Int, sh: Int, sw: Int, note: String
    var description: String { "\(note) \(input) \(hf)x\(wf)x\(nf) s\(sh),\(sw)" }
}

let convCases = [
    ConvCase(input: [2, 9, 8, 3], hf: 3, wf: 2, nf: 4, sh: 2, sw: 1, note: "stride < filter"),
    ConvCase(input: [2, 8, 8, 2], hf: 2, wf: 2, nf: 3, sh: 2, sw: 2, note: "stride = filter"),
    ConvCase(input: [2, 7, 9, 2], hf: 3, wf: 3, nf: 2, sh: 3, sw: 4, note: "stride > filter"),
    ConvCase(input: [3, 5, 4, 6], hf: 1, wf: 1, nf: 5, sh: 1, sw: 1, note: "pointwise"),
    ConvCase(input: [3, 4, 5, 2], hf: 4, wf: 5, nf: 3, sh: 1, sw: 1, note: "whole input"),
    // 4092 patches of 50 values per sample: several chunks per thread, and chunks that straddle samples.
    ConvCase(input: [3, 70, 66, 2], hf: 5, wf: 5, nf: 4, sh: 1, sw: 1, note: "several chunks"),
    ConvCase(input: [1, 70, 66, 2], hf: 5, wf: 5, nf: 4, sh: 1, sw: 1, note: "one sample, several chunks"),
]

@Suite("Fast path against slow implementations from the formulas")
struct FastVsSlowTests {
    /// Linear sizes: small, and 300→150, whose sign-split weights (600×300 for alphabeta with inputs of both
    /// signs) exceed one block, so alphabeta takes its output units in several blocks.
    static let linearSizes = [(4, 7, 5), (3, 300, 150)]

    @Test("Linear forward and every rule", arguments: Signs.allCases, 0..<2)
    func linear(_ signs: Signs, _ size: Int) throws {
        var random = SeededRandom(seed: 11)
        let (batch, m, n) = Self.linearSizes[size]
        // A zero weight column exercises ww's empty denominator.
        var weights = random.uniform(m * n)
        for i in 0..<m { weights[i * n + 2] = 0 }
        let bias = random.uniform(n)
        let layer = try Linear(inputs: m, outputs: n, weights: weights, bias: bias)
        let x = try Tensor(shape: [batch, m], data: signs.apply(random.uniform(batch * m)))
        let connections = Slow.linear(batch: batch, m: m, n: n, weights: weights, bias: bias)
        let y = try layer.forward(x)
        #expect(relativeError(y.data, Slow.forward(connections, x: x.data)) <= 1e-13)
        let r = try Tensor(shape: y.shape, data: random.uniform(y.count))
        for rule in allRules {
            let fast = try layer.relevance(r, input: x, output: y, rule: rule)
            let slow = Slow.affineRelevance(connections, x: x.data, r: r.data, rule: rule)
            #expect(fast.shape == x.shape)
            #expect(relativeError(fast.data, slow) <= 1e-10, "Linear \(signs) \(rule): \(relativeError(fast.data, slow))")
        }
    }

    @Test("Convolution forward and every rule", arguments: convCases, Signs.allCases)
    func convolution(_ c: ConvCase, _ signs: Signs) throws {
        var random = SeededRandom(seed: 23)
        let d = c.input[3]
        let weights = random.uniform(c.hf * c.wf * d * c.nf), bias = random.uniform(c.nf, in: -0.2...0.2)
        let layer = try Convolution(filterHeight: c.hf, filterWidth: c.wf, inputChannels: d, filters: c.nf,
                                    strideHeight: c.sh, strideWidth: c.sw, weights: weights, bias: bias)
        let x = try Tensor(shape: c.input, data: signs.apply(random.uniform(try Shape.count(c.input))))
        let connections = Slow.convolution(shape: c.input, hf: c.hf, wf: c.wf, nf: c.nf, sh: c.sh, sw: c.sw,
                                           weights: weights, bias: bias)
        let y = try layer.forward(x)
        #expect(y.shape == [c.input[0], (c.input[1] - c.hf) / c.sh + 1, (c.input[2] - c.wf) / c.sw + 1, c.nf])
        #expect(relativeError(y.data, Slow.forward(connections, x: x.data)) <= 1e-13)
        let r = try Tensor(shape: y.shape, data: random.uniform(y.count))
        for rule in allRules {
            let fast = try layer.relevance(r, input: x, output: y, rule: rule)
            let slow = Slow.affineRelevance(connections, x: x.data, r: r.data, rule: rule)
            #expect(relativeError(fast.data, slow) <= 1e-10, "\(c) \(signs) \(rule): \(relativeError(fast.data, slow))")
        }
    }

    /// Pool configurations: (input, pool, stride).
    static let poolCases: [([Int], (Int, Int), (Int, Int))] = [
        ([2, 6, 6, 3], (2, 2), (2, 2)),   // disjoint windows
        ([2, 7, 8, 2], (3, 3), (2, 2)),   // overlapping windows
        ([1, 5, 9, 2], (2, 3), (1, 3)),   // overlapping rows, disjoint columns
    ]

    @Test("SumPool forward and every rule", arguments: 0..<3, Signs.allCases)
    func sumPool(_ index: Int, _ signs: Signs) throws {
        let (shape, pool, stride) = Self.poolCases[index]
        var random = SeededRandom(seed: 5)
        let layer = try SumPool(pool: pool, stride: stride)
        let x = try Tensor(shape: shape, data: signs.apply(random.uniform(try Shape.count(shape))))
        let windows = Slow.pool(shape: shape, ph: pool.0, pw: pool.1, sh: stride.0, sw: stride.1)
        let y = try layer.forward(x)
        #expect(relativeError(y.data, Slow.sumPoolForward(windows, x: x.data, poolSize: pool.0 * pool.1)) <= 1e-13)
        let r = try Tensor(shape: y.shape, data: random.uniform(y.count))
        for rule in allRules {
            let fast = try layer.relevance(r, input: x, output: y, rule: rule)
            let slow = Slow.sumPoolRelevance(windows, x: x.data, r: r.data, rule: rule)
            #expect(relativeError(fast.data, slow) <= 1e-10, "SumPool \(shape) \(signs) \(rule)")
        }
    }

    @Test("MaxPool forward and every rule, with ties", arguments: 0..<3, [false, true])
    func maxPool(_ index: Int, _ ties: Bool) throws {
        let (shape, pool, stride) = Self.poolCases[index]
        var random = SeededRandom(seed: 9)
        let layer = try MaxPool(pool: pool, stride: stride)
        // Small integers make many windows hold their maximum more than once.
        let values = ties ? (0..<(try Shape.count(shape))).map { _ in Double(Int.random(in: -2...1, using: &random)) }
                          : random.uniform(try Shape.count(shape))
        let x = try Tensor(shape: shape, data: values)
        let windows = Slow.pool(shape: shape, ph: pool.0, pw: pool.1, sh: stride.0, sw: stride.1)
        let y = try layer.forward(x)
        #expect(y.data == Slow.maxPoolForward(windows, x: x.data))
        let r = try Tensor(shape: y.shape, data: random.uniform(y.count))
        for rule in allRules {
            let fast = try layer.relevance(r, input: x, output: y, rule: rule)
            let slow = Slow.maxPoolRelevance(windows, x: x.data, r: r.data, rule: rule)
            #expect(relativeError(fast.data, slow) <= 1e-12, "MaxPool \(shape) ties=\(ties) \(rule)")
        }
    }

    @Test("element-wise layers: forward values and relevance passed through")
    func elementwise() throws {
        var random = SeededRandom(seed: 3)
        let x = try Tensor(shape: [3, 4], data: random.uniform(12, in: -3...3))
        let r = try Tensor(shape: [3, 4], data: random.uniform(12))
        #expect(try Rect().forward(x).data == x.data.map { max(0, $0) })
        #expect(try Tanh().forward(x).data == x.data.map { Foundation.tanh($0) })
        let softmax = try SoftMax().forward(x)
        for n in 0..<3 {
            let row = Array(x.data[(n * 4)..<(n * 4 + 4)])
            let total = row.map { Foundation.exp($0) }.reduce(0, +)
            #expect(relativeError(Array(softmax.data[(n * 4)..<(n * 4 + 4)]), row.map { Foundation.exp($0) / total }) <= 1e-15)
        }
        for layer in [Rect(), Tanh(), SoftMax()] as [any Layer] {
            #expect(try layer.relevance(r, input: x, output: x, rule: .alphabeta(alpha: 2)) == r)
        }
        let image = try Tensor(shape: [2, 3, 2, 2], data: random.uniform(24))
        let flat = try Flatten().forward(image)
        #expect(flat.shape == [2, 12] && flat.data == image.data)
        #expect(try Flatten().relevance(flat, input: image, output: flat, rule: .simple) == image)
    }
}
