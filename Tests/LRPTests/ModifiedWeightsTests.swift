import CLRPHeader
import Foundation
import LRP
import LRPExports
import Testing

/// The modified weights a layer keeps between relevance passes (W⁺, W⁻, γ-modified, …) follow every change of
/// W: a gradient step, a write through the Swift API, and a write through the address lrp_layer_parameter
/// handed out. After each change the relevance equals that of a fresh copy of the changed model.
@Suite("Modified weights kept with the layers")
struct ModifiedWeightsTests {
    static let rules: [Rule] = [.alphabeta(alpha: 1), .alphabeta(alpha: 2), .gamma(gamma: 0.25, epsilon: 1e-6), .zplus(epsilon: 1e-6), .ww, .flat]

    /// A small random MLP (Linear 6→5, Rect, Linear 5→3) and a batch of 4.
    static func model() throws -> (Sequential, Tensor) {
        var rng = SeededRandom(seed: 7)
        func values(_ n: Int) -> [Double] { rng.uniform(n) }
        let net = Sequential(layers: [try Linear(inputs: 6, outputs: 5, weights: values(30), bias: values(5)), Rect(),
                                      try Linear(inputs: 5, outputs: 3, weights: values(15), bias: values(3))])
        return (net, try Tensor(shape: [4, 6], data: values(24)))
    }

    /// Every rule's relevance of `net` and of a fresh deep copy agree to the last bits (1e-15).
    static func expectCurrent(_ net: Sequential, _ x: Tensor, _ what: String) throws {
        let fresh = try net.deepCopy()
        let (pass, freshPass) = (try net.forward(x), try fresh.forward(x))
        let r = try #require(pass.output)
        for rule in rules {
            expectClose(try net.relevance(r, of: pass, rule: rule), try fresh.relevance(r, of: freshPass, rule: rule),
                        tolerance: 1e-15, "\(what), \(rule)")
        }
    }

    @Test("after update, a write through withUnsafeMutableStorage and one through the exposed address")
    func followsChanges() throws {
        let (net, x) = try Self.model()
        try Self.expectCurrent(net, x, "initial")
        // Relevance again: the kept matrices serve (same result).
        try Self.expectCurrent(net, x, "kept")
        // A training step.
        var pass = try net.forward(x)
        _ = try net.backward(try #require(pass.output), pass: &pass)
        try net.update(pass, learningRate: 0.1)
        try Self.expectCurrent(net, x, "after update")
        // The Swift API's write access.
        try net.parameters(of: 0)[0].withUnsafeMutableStorage(as: Double.self) { w in for i in w.indices { w[i] = -w[i] } }
        try Self.expectCurrent(net, x, "after withUnsafeMutableStorage")
        // A caller's write through the address, as numpy views do, with no call in between.
        let address = net.parameters(of: 2)[0].unsafeStorageAddress.assumingMemoryBound(to: Double.self)
        try Self.expectCurrent(net, x, "after exposing")
        for i in 0..<15 { address[i] *= -3 }
        try Self.expectCurrent(net, x, "after a write through the address")
    }

    @Test("through the C API: lrp_layer_parameter's address and lrp_layer_set_parameter")
    func followsCWrites() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mw-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (net, x) = try Self.model()
        try ModelFormats.write(net, path: path, format: "txt")
        var model: OpaquePointer?
        try #require(lrp_model_read(path, nil, &model) == LRP_OK)
        defer { lrp_model_free(model) }
        func relevance() -> [Double] {
            var y = [Double](repeating: 0, count: 12), rank: Int32 = 0, shape = [Int64](repeating: 0, count: 8)
            #expect(lrp_forward(model, x.data, 2, [4, 6], &y, 12, &rank, &shape) == LRP_OK)
            var rx = [Double](repeating: 0, count: 24)
            #expect(lrp_relevance(model, y, 12, "alphabeta", 2, &rx, 24) == LRP_OK)
            return rx
        }
        func reference() throws -> [Double] {
            var copy: OpaquePointer?
            try #require(lrp_model_write(model, path, "txt") == LRP_OK)
            try #require(lrp_model_read(path, nil, &copy) == LRP_OK)
            defer { lrp_model_free(copy) }
            var y = [Double](repeating: 0, count: 12), rank: Int32 = 0, shape = [Int64](repeating: 0, count: 8)
            #expect(lrp_forward(copy, x.data, 2, [4, 6], &y, 12, &rank, &shape) == LRP_OK)
            var rx = [Double](repeating: 0, count: 24)
            #expect(lrp_relevance(copy, y, 12, "alphabeta", 2, &rx, 24) == LRP_OK)
            return rx
        }
        _ = relevance()
        var data: UnsafeMutablePointer<Double>?
        var rank: Int32 = 0
        var shape = [Int64](repeating: 0, count: 8)
        try #require(lrp_layer_parameter(model, 0, "W", &data, &rank, &shape) == LRP_OK)
        let w = try #require(data)
        #expect(relativeError(relevance(), try reference()) <= 1e-15)
        for i in 0..<30 { w[i] = 0.5 - w[i] }
        #expect(relativeError(relevance(), try reference()) <= 1e-15, "after a write through the address")
        #expect(lrp_layer_set_parameter(model, 2, "W", [Double](repeating: 0.25, count: 15), 15) == LRP_OK)
        #expect(relativeError(relevance(), try reference()) <= 1e-15, "after lrp_layer_set_parameter")
    }
}
