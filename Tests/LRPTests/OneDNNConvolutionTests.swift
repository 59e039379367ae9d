@testable import LRP
import Testing

/// float32 convolutions run through oneDNN (forward, backward-data, and every rule's products built on them);
/// float64 ones through im2col and dgemm, an independent implementation. Over strides, paddings ('same',
/// explicit and uneven, Caffe's rounding up), 1×1 windows, groups and batch sizes, the two agree within the
/// issue's float32 bound (1e-4 relative; measured ≤ 1.5e-5, the largest for ε = 0.01, whose small denominators
/// amplify float32's rounding as much on im2col) for the forward pass, the gradient and rules with one half
/// (after a Rect), two halves (signed input), input-shaped bounds (zB), weights only (ww) and the layer itself (ε).
@Suite("oneDNN convolutions in float32")
struct OneDNNConvolutionTests {
    struct Case: CustomStringConvertible, Sendable {
        let height: Int, width: Int, channels: Int, window: (Int, Int), filters: Int, stride: (Int, Int)
        let placement: WindowPlacement, groups: Int, batch: Int
        var description: String {
            "\(batch)×\(height)×\(width)×\(channels) window \(window.0)×\(window.1) stride \(stride.0)×\(stride.1) → \(filters), groups \(groups), \(placement)"
        }
    }

    /// Each above the size from which liblrp hands float32 convolutions to oneDNN (16 M multiply-adds, 16 output
    /// pixels per sample, 16 input channels); Caffe's rounding up, which oneDNN does not describe, stays on im2col.
    static let cases: [Case] = [
        Case(height: 16, width: 14, channels: 16, window: (3, 3), filters: 32, stride: (1, 1), placement: .valid, groups: 1, batch: 24),
        Case(height: 16, width: 14, channels: 16, window: (3, 3), filters: 32, stride: (1, 1),
             placement: WindowPlacement(padding: .same), groups: 1, batch: 16),
        Case(height: 20, width: 22, channels: 16, window: (3, 2), filters: 24, stride: (2, 3),
             placement: WindowPlacement(padding: .same), groups: 1, batch: 96),
        Case(height: 18, width: 18, channels: 16, window: (5, 5), filters: 20, stride: (2, 2),
             placement: WindowPlacement(padding: .explicit(top: 2, bottom: 1, left: 0, right: 2)), groups: 1, batch: 32),
        Case(height: 18, width: 19, channels: 16, window: (3, 3), filters: 32, stride: (2, 2),
             placement: WindowPlacement(padding: .explicit(top: 1, bottom: 0, left: 1, right: 0), roundUp: true), groups: 1, batch: 48),
        Case(height: 12, width: 12, channels: 64, window: (1, 1), filters: 128, stride: (1, 1), placement: .valid, groups: 1, batch: 16),
        Case(height: 8, width: 8, channels: 16, window: (3, 3), filters: 64, stride: (1, 1),
             placement: WindowPlacement(padding: .same), groups: 2, batch: 32),
        Case(height: 10, width: 10, channels: 32, window: (4, 4), filters: 48, stride: (1, 1), placement: .valid, groups: 1, batch: 16),
    ]

    static let rules: [Rule] = [.epsilon(0.01), .alphabeta(alpha: 1), .alphabeta(alpha: 2), .zplus(epsilon: 1e-6),
                                .gamma(gamma: 0.25, epsilon: 1e-6), .ww, .flat, .gradient, .gradientTimesInput]

    @Test("forward, gradient and rules agree with im2col + dgemm", arguments: cases)
    func agreesWithIm2col(_ c: Case) throws {
        var random = SeededRandom(seed: 41)
        let filterShape = [c.window.0, c.window.1, c.channels, c.filters]
        var weights = random.uniform(try Shape.count(filterShape), in: -1...1)
        if c.groups > 1 {
            // Weights between groups are zero, as the importers write them.
            let (inGroup, outGroup) = (c.channels / c.groups, c.filters / c.groups)
            for i in weights.indices where (i / c.filters % c.channels) / inGroup != (i % c.filters) / outGroup { weights[i] = 0 }
        }
        let conv = try Convolution(filterHeight: c.window.0, filterWidth: c.window.1, inputChannels: c.channels, filters: c.filters,
                                   strideHeight: c.stride.0, strideWidth: c.stride.1, weights: weights,
                                   bias: random.uniform(c.filters, in: -0.5...0.5), placement: c.placement, groups: c.groups)
        let wide = Sequential(layers: [conv])
        let narrow = try wide.copy(in: .float32)
        let shape = [c.batch, c.height, c.width, c.channels]
        // oneDNN takes the float32 case (both products), except where it has no description of the geometry.
        let map = try #require(narrow.layers.first as? Convolution).map(for: shape)
        #expect((map.oneDNN(backward: true) != nil) == !c.placement.roundUp, "\(c)")
        let signed = try Tensor(shape: shape, data: random.uniform(try Shape.count(shape), in: -1...1))
        let positive = try Tensor(shape: shape, data: signed.data.map { abs($0) })
        let bounds = try ZBox(low: [-1], high: [1], epsilon: 1e-6)
        for (name, x) in [("signed", signed), ("positive", positive)] {
            let (pass, pass32) = (try wide.forward(x), try narrow.forward(x))
            let (y, y32) = (try #require(pass.output), try #require(pass32.output))
            #expect(y32.precision == .float32)
            expectClose(y32, y, tolerance: Float32Tests.tolerance, "\(c) \(name) forward")
            for rule in Self.rules + [.zBox(bounds)] {
                let r = try wide.relevance(y, of: pass, rule: rule), r32 = try narrow.relevance(y32, of: pass32, rule: rule)
                #expect(r32.precision == .float32)
                expectClose(r32, r, tolerance: Float32Tests.tolerance, "\(c) \(name) \(rule)")
            }
        }
    }
}
