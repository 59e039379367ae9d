import LRP
import Testing

@Suite("Sequential: shapes, presets and errors")
struct SequentialTests {
    static func twoLayers() throws -> Sequential {
        Sequential(layers: [try Linear(inputs: 3, outputs: 2, weights: [1, 2, 3, 4, 5, 6], bias: [0, 0]), Rect(),
                            try Linear(inputs: 4, outputs: 1, weights: [1, 1, 1, 1], bias: [0])])
    }

    @Test("a layer whose input does not fit the previous output is named at forward time")
    func mismatchedLayers() throws {
        let model = try Self.twoLayers()
        let x = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        #expect(throws: LRPError.shape("layer 2 (Linear 4 1): expects input N×4, got 2×2")) { try model.forward(x) }
        #expect(throws: LRPError.shape("layer 2 (Linear 4 1): expects input N×4, got 2×2")) { try model.outputShape(for: [2, 3]) }
    }

    @Test("input that does not fit the first layer")
    func badInput() throws {
        let model = Sequential(layers: [try Convolution(filterHeight: 5, filterWidth: 5, inputChannels: 1, filters: 2,
                                                        strideHeight: 1, strideWidth: 1, weights: Array(repeating: 0.1, count: 50), bias: [0, 0])])
        #expect(throws: LRPError.shape("layer 0 (Convolution 5 5 1 2 1 1): expects input N×H×W×1 (rank 4), got 8×784")) {
            try model.outputShape(for: [8, 784])
        }
        #expect(throws: LRPError.shape("layer 0 (Convolution 5 5 1 2 1 1): expects 1 input channels (N×H×W×1), got 8×28×28×3")) {
            try model.outputShape(for: [8, 28, 28, 3])
        }
        #expect(throws: LRPError.shape("layer 0 (Convolution 5 5 1 2 1 1): window 5×5 does not fit an input of 4×28")) {
            try model.outputShape(for: [8, 4, 28, 1])
        }
    }

    @Test("relevance of the wrong size, presets and layer indices")
    func relevanceArguments() throws {
        var model = try Self.twoLayers()
        #expect(throws: LRPError.self) { try model.setPreset(.ww, layer: 3) }
        #expect(throws: LRPError.self) { try model.setPreset(.ww, layer: -2) }
        try model.setPreset(.epsilon(0.5), layer: 1)
        #expect(model.presets == [.simple, .epsilon(0.5), .simple])
        let small = Sequential(layers: [try Linear(inputs: 3, outputs: 2, weights: [1, 2, 3, 4, 5, 6], bias: [0.5, -1])])
        let pass = try small.forward(try Tensor(shape: [1, 3], data: [1, -1, 2]))
        #expect(throws: LRPError.shape("layer 0 (Linear 3 2): relevance has 3 values (3), the output of the last forward pass 1×2 has 2")) {
            try small.relevance(try Tensor(shape: [3], data: [1, 2, 3]), of: pass)
        }
        #expect(throws: LRPError.state("the forward pass has 1 layers, the model 3")) {
            try model.relevance(try Tensor(shape: [1, 2], data: [1, 1]), of: pass)
        }
    }

    @Test("layers larger than 32-bit BLAS sizes are refused, not trapped on")
    func blasLimits() {
        #expect(throws: LRPError.unsupported("Linear inputs of 2147483648 exceeds the 1073741824 that 32-bit BLAS sizes allow")) {
            try Linear(inputs: 1 << 31, outputs: 1, weights: [], bias: [0])
        }
        #expect(throws: LRPError.unsupported("a Convolution's receptive field (hf·wf·df) of 2147483648 exceeds the 1073741824 that 32-bit BLAS sizes allow")) {
            try Convolution(filterHeight: 1 << 16, filterWidth: 1 << 15, inputChannels: 1, filters: 1, strideHeight: 1,
                            strideWidth: 1, weights: [], bias: [0])
        }
    }

    @Test("rule names, aliases and parameters")
    func ruleParsing() throws {
        #expect(try Rule(name: "None", parameter: 7) == .simple)
        #expect(try Rule(name: "alpha", parameter: 2) == .alphabeta(alpha: 2))
        #expect(try Rule(name: "W^2", parameter: 0) == .ww)
        #expect(try Rule(name: "EPSILON", parameter: 0.01) == .epsilon(0.01))
        #expect(throws: LRPError.argument("unknown rule 'deeplift' (known: simple, epsilon, alphabeta, ww, flat, zplus, gamma, zb, pass, norm, gradient, gradient_x_input, sensitivity, deconvnet, guided_backprop, unified, pattern_net, pattern_attribution; aliases none, alpha, w^2, z+)")) {
            try Rule(name: "deeplift", parameter: 0)
        }
        #expect(throws: LRPError.self) { try Rule(name: "epsilon", parameter: -1) }
        #expect(throws: LRPError.self) { try Rule(name: "epsilon", parameter: .nan) }
        #expect(throws: LRPError.self) { try Rule(name: "alphabeta", parameter: .infinity) }
    }
}
