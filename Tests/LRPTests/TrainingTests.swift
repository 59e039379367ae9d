import CLRPHeader
import LRP
import LRPExports
import Testing

@Suite("Backward and update against the reference toolbox", .enabled(if: Shared.enabled, Shared.skipMessage))
struct TrainingGoldenTests {
    /// lenet5.npz: forward(X), backward(DY) → DX, update(0.005) → W of layers 0 and 9.
    @Test("backward DX and updated weights through the Swift API")
    func swiftAPI() throws {
        let arrays = try GoldenCase.all[1].arrays()
        let model = try readChain(Shared.path("models/LeNet-5.txt"))
        var pass = try model.forward(try #require(arrays["X"]))
        let dx = try model.backward(try #require(arrays["DY"]), pass: &pass)
        expectClose(dx, try #require(arrays["DX"]), "DX")
        try model.update(pass, learningRate: 0.005)
        expectClose(model.layers[0].parameters[0], try #require(arrays["W0_after_update"]), "W0 after update")
        expectClose(model.layers[9].parameters[0], try #require(arrays["W9_after_update"]), "W9 after update")
    }

    @Test("backward DX and updated weights through the C functions")
    func cAPI() throws {
        let arrays = try GoldenCase.all[1].arrays()
        let x = try #require(arrays["X"]), dy = try #require(arrays["DY"])
        var model: OpaquePointer?
        try #require(lrp_model_read(Shared.path("models/LeNet-5.txt"), nil, &model) == LRP_OK)
        defer { lrp_model_free(model) }
        var y = [Double](repeating: 0, count: 80), rank: Int32 = 0, shape = [Int64](repeating: 0, count: 8)
        #expect(lrp_forward(model, x.data, 4, x.shape.map { Int64($0) }, &y, 80, &rank, &shape) == LRP_OK)
        var dx = [Double](repeating: .nan, count: x.count)
        #expect(lrp_backward(model, dy.data, Int64(dy.count), &dx, Int64(dx.count)) == LRP_OK, "\(String(cString: lrp_last_error()))")
        #expect(relativeError(dx, try #require(arrays["DX"]).data) <= 1e-9)
        #expect(lrp_update(model, -1, 0.005) == LRP_OK)
        for (layer, key) in [(Int32(0), "W0_after_update"), (Int32(9), "W9_after_update")] {
            var data: UnsafeMutablePointer<Double>?
            var prank: Int32 = 0, pshape = [Int64](repeating: 0, count: 8)
            #expect(lrp_layer_parameter(model, layer, "W", &data, &prank, &pshape) == LRP_OK)
            let expected = try #require(arrays[key])
            let values = Array(UnsafeBufferPointer(start: data, count: expected.count))
            #expect(Array(pshape[0..<Int(prank)]) == expected.shape.map { Int64($0) })
            #expect(relativeError(values, expected.data) <= 1e-9, "\(key)")
        }
    }
}

@Suite("C API: building models, parameters, one layer at a time")
struct LayerAPITests {
    /// A small convolutional model through lrp_model_new / lrp_model_append.
    static func build() throws -> OpaquePointer? {
        var random = SeededRandom(seed: 4)
        var model: OpaquePointer?
        try #require(lrp_model_new(&model) == LRP_OK)
        let layers: [(String, Int, Int)] = [("Convolution 3 3 2 4 1 1", 72, 4), ("Rect", 0, 0), ("MaxPool 2 2 2 2", 0, 0),
                                            ("Flatten", 0, 0), ("Linear 36 3", 108, 3), ("SoftMax", 0, 0)]
        for (header, w, b) in layers {
            let weights = random.uniform(w), bias = random.uniform(b)
            let status = lrp_model_append(model, header, w > 0 ? weights : nil, Int64(w), b > 0 ? bias : nil, Int64(b))
            try #require(status == LRP_OK, "\(header): \(String(cString: lrp_last_error()))")
        }
        return model
    }

    @Test("a per-layer loop of forward and relevance equals the full pass")
    func perLayerLoop() throws {
        let model = try Self.build()
        defer { lrp_model_free(model) }
        #expect(lrp_model_layer_count(model) == 6)
        var random = SeededRandom(seed: 5)
        let x = random.uniform(2 * 8 * 8 * 2)
        var y = [Double](repeating: 0, count: 6), rank: Int32 = 0, shape = [Int64](repeating: 0, count: 8)
        #expect(lrp_forward(model, x, 4, [2, 8, 8, 2], &y, 6, &rank, &shape) == LRP_OK)
        var full = [Double](repeating: 0, count: x.count)
        #expect(lrp_relevance(model, y, 6, "alphabeta", 2, &full, Int64(full.count)) == LRP_OK)

        // The same through each layer on its own, as a toolbox script loops over modules.
        var current = x, currentShape: [Int64] = [2, 8, 8, 2]
        for layer in Int32(0)..<6 {
            var out = [Double](repeating: 0, count: 1024), r: Int32 = 0, s = [Int64](repeating: 0, count: 8)
            #expect(lrp_layer_forward(model, layer, current, Int32(currentShape.count), currentShape, &out, 1024, &r, &s) == LRP_OK)
            currentShape = Array(s[0..<Int(r)])
            current = Array(out[0..<Int(currentShape.reduce(1, *))])
        }
        #expect(current == y)
        var relevance = y
        for layer in stride(from: Int32(5), through: 0, by: -1) {
            var inRank: Int32 = 0, inShape = [Int64](repeating: 0, count: 8)
            #expect(lrp_layer_trace_shape(model, layer, 0, &inRank, &inShape) == LRP_OK)
            var next = [Double](repeating: 0, count: Int(inShape[0..<Int(inRank)].reduce(1, *)))
            #expect(lrp_layer_relevance(model, layer, relevance, Int64(relevance.count), "alphabeta", 2, &next, Int64(next.count)) == LRP_OK)
            relevance = next
        }
        #expect(relativeError(relevance, full) <= 1e-15)
    }

    @Test("parameter views change the layer; set_parameter checks sizes; copies are independent")
    func parameters() throws {
        let model = try Self.build()
        defer { lrp_model_free(model) }
        var data: UnsafeMutablePointer<Double>?
        var rank: Int32 = 0, shape = [Int64](repeating: 0, count: 8)
        #expect(lrp_layer_parameter(model, 4, "W", &data, &rank, &shape) == LRP_OK)
        #expect(Array(shape[0..<Int(rank)]) == [36, 3])
        #expect(lrp_layer_parameter(model, 1, "W", &data, &rank, &shape) == LRP_ERR_ARGUMENT)
        #expect(String(cString: lrp_last_error()) == "lrp_layer_parameter: layer 1 (Rect) has no parameter 'W' (it has none)")
        #expect(lrp_layer_set_parameter(model, 4, "B", [1, 2], 2) == LRP_ERR_SHAPE)

        var copy: OpaquePointer?
        #expect(lrp_model_copy(model, &copy) == LRP_OK)
        defer { lrp_model_free(copy) }
        let x = [Double](repeating: 0.5, count: 128)
        func run(_ m: OpaquePointer?) -> [Double] {
            var y = [Double](repeating: 0, count: 3), r: Int32 = 0, s = [Int64](repeating: 0, count: 8)
            #expect(lrp_forward(m, x, 4, [1, 8, 8, 2], &y, 3, &r, &s) == LRP_OK)
            return y
        }
        let before = run(model)
        #expect(run(copy) == before)
        // Writing through the view changes the model, not its copy.
        #expect(lrp_layer_parameter(model, 4, "B", &data, &rank, &shape) == LRP_OK)
        data?[0] += 3
        #expect(run(model) != before)
        #expect(run(copy) == before)
        #expect(lrp_layer_set_parameter(model, 4, "B", [0, 0, 0], 3) == LRP_OK)
        #expect(data?[0] == 0)
    }

    @Test("building refuses malformed layers and leaves the model unchanged")
    func buildErrors() throws {
        var model: OpaquePointer?
        try #require(lrp_model_new(&model) == LRP_OK)
        defer { lrp_model_free(model) }
        #expect(lrp_model_append(model, "Linear 3", nil, 0, nil, 0) == LRP_ERR_ARGUMENT)
        #expect(String(cString: lrp_last_error()).contains("expected 'Linear m n'"))
        #expect(lrp_model_append(model, "Dense 3 2", nil, 0, nil, 0) == LRP_ERR_ARGUMENT)
        #expect(lrp_model_append(model, "Linear 3 2", [1, 2, 3], 3, [0, 0], 2) == LRP_ERR_SHAPE)
        #expect(String(cString: lrp_last_error()) == "lrp_model_append: Linear 3 2 needs 6 values for W, got 3")
        #expect(lrp_model_append(model, "Linear 3 2", nil, 6, [0, 0], 2) == LRP_ERR_ARGUMENT)
        #expect(lrp_model_layer_count(model) == 0)
        var y = [Double](repeating: 0, count: 2), r: Int32 = 0, s = [Int64](repeating: 0, count: 8)
        #expect(lrp_forward(model, [1, 2, 3], 2, [1, 3], &y, 2, &r, &s) == LRP_ERR_STATE)
        #expect(lrp_update(model, 0, 0.1) == LRP_ERR_ARGUMENT)
    }
}
