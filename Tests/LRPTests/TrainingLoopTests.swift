import CLRPHeader
import LRP
import LRPExports
import Testing

@Suite("Training loop")
struct TrainingLoopTests {
    /// Two Gaussian-ish blobs in 4 dimensions, labels one-hot.
    static func data(_ n: Int, seed: UInt64) throws -> (Tensor, Tensor) {
        var random = SeededRandom(seed: seed)
        var x: [Double] = [], y: [Double] = []
        for i in 0..<n {
            let label = i % 2
            x += random.uniform(4, in: -0.6...0.6).map { $0 + (label == 0 ? 0.5 : -0.5) }
            y += label == 0 ? [1, 0] : [0, 1]
        }
        return (try Tensor(shape: [n, 4], data: x), try Tensor(shape: [n, 2], data: y))
    }

    static func model(seed: UInt64) throws -> Sequential {
        var random = SeededRandom(seed: seed)
        return Sequential(layers: [try Linear(inputs: 4, outputs: 8, weights: random.uniform(32).map { $0 / 2 }, bias: Array(repeating: 0, count: 8)),
                                   Rect(), try Linear(inputs: 8, outputs: 2, weights: random.uniform(16).map { $0 / 3 }, bias: [0, 0]),
                                   SoftMax()])
    }

    @Test("training reaches 95% on held-out data, and the same seed gives the same parameters")
    func accuracyAndSeed() throws {
        let (x, y) = try Self.data(300, seed: 1), (xt, yt) = try Self.data(200, seed: 2)
        var options = TrainingOptions()
        options.iterations = 600; options.status = 200; options.learningRate = 0.05; options.seed = 42
        let a = try Self.model(seed: 9), b = try Self.model(seed: 9)
        var events: [TrainingEvent.Kind] = []
        let result = try a.train(x: x, y: y, options: options, report: { events.append($0.kind); return true })
        _ = try b.train(x: x, y: y, options: options)
        #expect(try a.evaluate(xt, yt).accuracy >= 0.95)
        #expect(a.layers[0].parameters[0] == b.layers[0].parameters[0])
        #expect(events.filter { $0 == .evaluation }.count == 3 && events.last == .done)
        #expect(result.iterationsRun == 600 && result.bestIteration > 0)
        options.seed = 43
        let c = try Self.model(seed: 9)
        _ = try c.train(x: x, y: y, options: options)
        #expect(c.layers[0].parameters[0] != a.layers[0].parameters[0], "another seed draws other batches")
    }

    @Test("a report that returns false stops training; failures restore the best parameters")
    func stopAndFailure() throws {
        let (x, y) = try Self.data(100, seed: 3)
        var options = TrainingOptions()
        options.iterations = 1000; options.status = 50
        let model = try Self.model(seed: 5)
        let result = try model.train(x: x, y: y, options: options, report: { $0.kind != .evaluation })
        #expect(result.iterationsRun == 50)
        let before = try model.layers[0].parameters[0].copy()
        var calls = 0
        #expect(throws: LRPError.self) {
            try model.train(x: x, y: y, options: options, transform: { batch in
                calls += 1
                if calls == 30 { throw LRPError.argument("no more batches") }
                return batch
            })
        }
        #expect(model.layers[0].parameters[0] == before, "the best (initial) parameters are back after the failure")
        options.batchSize = 101
        #expect(throws: LRPError.argument("batch size 101 must be between 1 and the 100 training samples")) {
            try model.train(x: x, y: y, options: options)
        }
    }

    @Test("lrp_train and lrp_evaluate through the C functions, with a callback")
    func cAPI() throws {
        let (x, y) = try Self.data(200, seed: 4)
        var model: OpaquePointer?
        try #require(lrp_model_new(&model) == LRP_OK)
        defer { lrp_model_free(model) }
        var random = SeededRandom(seed: 6)
        #expect(lrp_model_append(model, "Linear 4 2", random.uniform(8), 8, [0, 0], 2) == LRP_OK)
        #expect(lrp_model_append(model, "SoftMax", nil, 0, nil, 0) == LRP_OK)
        var options = lrp_training_options()
        lrp_training_options_init(&options)
        #expect(options.batch_size == 25 && options.iterations == 10000 && options.status == 250)
        options.iterations = 400; options.status = 100; options.learning_rate = 0.05
        final class Count { var evaluations = 0 }
        let count = Count()
        options.callback_context = Unmanaged.passUnretained(count).toOpaque()
        options.callback = { event, context in
            guard let event, let context else { return 1 }
            if event.pointee.kind == Int32(LRP_TRAINING_EVALUATION.rawValue) {
                Unmanaged<Count>.fromOpaque(context).takeUnretainedValue().evaluations += 1
            }
            return 0
        }
        var result = lrp_training_result()
        let xs = x.shape.map { Int64($0) }, ys = y.shape.map { Int64($0) }
        #expect(lrp_train(model, x.data, 2, xs, y.data, 2, ys, nil, 0, nil, nil, 0, nil, &options, &result) == LRP_OK,
                "\(String(cString: lrp_last_error()))")
        #expect(count.evaluations == 4 && result.iterations_run == 400)
        var accuracy = 0.0, loss = 0.0
        #expect(lrp_evaluate(model, x.data, 2, xs, y.data, 2, ys, &accuracy, &loss) == LRP_OK)
        #expect(accuracy >= 0.95 && accuracy == result.best_accuracy)
        options.size = 8
        #expect(lrp_train(model, x.data, 2, xs, y.data, 2, ys, nil, 0, nil, nil, 0, nil, &options, &result) == LRP_ERR_ARGUMENT)
        #expect(String(cString: lrp_last_error()).contains("lrp_training_options_init"))
    }
}
