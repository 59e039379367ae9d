import Foundation
import LRP
import Testing

/// A dense layer given one sample takes a path of its own (only the inputs where a half of the rule is non-zero
/// take part in the products): every rule's relevance of a sample alone equals its row of the batch's, which
/// goes through whole matrix products, in both precisions.
@Suite("One sample through dense layers")
struct OneSampleTests {
    static let specs = ["simple", "epsilon:0.01", "alphabeta:1", "alphabeta:2", "alphabeta:alpha=2,beta=1", "zplus", "gamma:0.25",
                        "zb:low=-1,high=1", "flat", "ww", "flat:epsilon=1e-6", "ww:epsilon=1e-6", "norm",
                        "unified:alpha=2,beta=1,theta0=0.5,theta1=1,gamma0=0.1,gamma1=1,gamma1p=0.25,gamma1n=0,gamma2=0.1,epsilon=1e-3",
                        "gradient", "gradient_x_input"]

    @Test("each sample alone equals its row of the batch", arguments: [Precision.float64, .float32])
    func rows(_ precision: Precision) throws {
        var rng = SeededRandom(seed: 11)
        func values(_ n: Int) -> [Double] { rng.uniform(n) }
        // Inputs with zeros (as after a Rect) and of both signs; a BatchNorm and a second Rect'd Linear.
        let net = try Sequential(layers: [try Linear(inputs: 40, outputs: 30, weights: values(1200), bias: values(30)), Rect(),
                                          try BatchNorm(scale: values(30).map { $0 + 1.5 }, shift: values(30)),
                                          try Linear(inputs: 30, outputs: 7, weights: values(210), bias: values(7))]).copy(in: precision)
        let batch = 5
        var xs = values(batch * 40)
        for i in stride(from: 0, to: xs.count, by: 3) { xs[i] = 0 }
        let x = try Tensor(shape: [batch, 40], data: xs)
        let pass = try net.forward(x)
        let y = try #require(pass.output).data
        // float32: the bound (LRP-0 and ε on random weights have denominators near zero, which magnify
        // the different rounding of a sample's products and the batch's).
        let tolerance = precision == .float64 ? 1e-12 : 1e-4
        for spec in Self.specs {
            let rule = try Rule(spec: spec)
            let all = try net.relevance(try #require(pass.output), of: pass, rule: rule).data
            for n in 0..<batch {
                let one = try net.forward(try Tensor(shape: [1, 40], data: Array(xs[n * 40..<(n + 1) * 40])))
                let r = try net.relevance(try Tensor(shape: [1, 7], data: Array(y[n * 7..<(n + 1) * 7])), of: one, rule: rule)
                #expect(relativeError(r.data, Array(all[n * 40..<(n + 1) * 40])) <= tolerance, "\(spec), sample \(n), \(precision)")
            }
        }
    }
}

