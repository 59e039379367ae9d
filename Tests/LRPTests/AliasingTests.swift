import CLRPHeader
import Foundation
import Synchronization
import LRP
import LRPExports
import Testing

/// Tensors are values: no layer writes into storage it did not allocate, so relevance reported at one layer
/// is never changed by what a layer below does with it; and one model used from several threads gives the
/// same numbers as used from one.
@Suite("Aliasing and threads")
struct AliasingTests {
    /// A model built through the C API from (header, inputs, weights, bias) nodes.
    static func build(_ nodes: [(String, [Int32], [Double], [Double])]) throws -> OpaquePointer? {
        var model: OpaquePointer?
        try #require(lrp_model_new(&model) == LRP_OK)
        for (i, (header, inputs, w, b)) in nodes.enumerated() {
            let status = lrp_model_add_node(model, "n\(i)", header, inputs, Int32(inputs.count),
                                            w.isEmpty ? nil : w, Int64(w.count), b.isEmpty ? nil : b, Int64(b.count))
            try #require(status == LRP_OK, "\(header): \(String(cString: lrp_last_error()))")
        }
        return model
    }

    /// Forward pass of `x` (shape), returning the output.
    static func forward(_ model: OpaquePointer?, _ x: [Double], _ shape: [Int64], outputs: Int) throws -> [Double] {
        var y = [Double](repeating: 0, count: outputs)
        var rank: Int32 = 0
        var yShape = [Int64](repeating: 0, count: Int(LRP_MAX_RANK))
        try #require(lrp_forward(model, x, Int32(shape.count), shape, &y, Int64(outputs), &rank, &yShape) == LRP_OK,
                     "\(String(cString: lrp_last_error()))")
        return y
    }

    /// lrp_relevance_at with presets for `layers`, each result of `sizes[k]` values.
    static func relevanceAt(_ model: OpaquePointer?, _ r: [Double], layers: [Int32], sizes: [Int]) throws -> [[Double]] {
        let buffers: [UnsafeMutablePointer<Double>?] = sizes.map { size in
            let p = UnsafeMutablePointer<Double>.allocate(capacity: size)
            p.initialize(repeating: .nan, count: size)
            return p
        }
        defer { for p in buffers { p?.deallocate() } }
        let status = lrp_relevance_at(model, r, Int64(r.count), nil, 0, -1, layers, Int32(layers.count), buffers,
                                      sizes.map { Int64($0) }, nil, 0)
        try #require(status == LRP_OK, "\(String(cString: lrp_last_error()))")
        return zip(buffers, sizes).map { Array(UnsafeBufferPointer(start: $0.0, count: $0.1)) }
    }

    @Test("Flatten with gradient×input: the relevance reported above it is not multiplied by its input")
    func flattenGradientTimesInput() throws {
        // x (N×2×2×1) → Flatten → Linear 4→3 (ε); Flatten's preset gradient_x_input.
        var random = SeededRandom(seed: 10)
        let w = random.uniform(12), b = random.uniform(3)
        let model = try Self.build([("Flatten", [-1], [], []), ("Linear 4 3", [0], w, b)])
        defer { lrp_model_free(model) }
        #expect(lrp_set_rule_spec(model, 0, "gradient_x_input") == LRP_OK)
        #expect(lrp_set_rule_spec(model, 1, "epsilon:epsilon=0.01") == LRP_OK)
        let x = random.uniform(8, in: 0.5...2)
        let y = try Self.forward(model, x, [2, 2, 2, 1], outputs: 6)
        let results = try Self.relevanceAt(model, y, layers: [1, 0], sizes: [8, 8])
        // The relevance entering Linear does not depend on Flatten's rule: compare with Flatten on 'pass'.
        #expect(lrp_set_rule_spec(model, 0, "pass") == LRP_OK)
        let reference = try Self.relevanceAt(model, y, layers: [1], sizes: [8])[0]
        #expect(results[0] == reference, "relevance at Linear's input changed by the layer below")
        // And Flatten's own result is x ⊙ that relevance.
        for i in 0..<8 { #expect(abs(results[1][i] - x[i] * reference[i]) <= 1e-15 * abs(x[i] * reference[i])) }
    }

    @Test("Add hands each input its own view: a Reshape with gradient×input below one input leaves the other alone")
    func addBranches() throws {
        // x (N×4) → Linear 4→4 (a) → Reshape 4 (b); Add(a, b) → Linear 4→2. Reshape's preset gradient_x_input,
        // Add's the gradient: both Add inputs receive the same relevance, and Reshape's is a ⊙ that.
        var random = SeededRandom(seed: 11)
        let w1 = random.uniform(16), b1 = random.uniform(4), w2 = random.uniform(8), b2 = random.uniform(2)
        let model = try Self.build([("Linear 4 4", [-1], w1, b1), ("Reshape 4", [0], [], []), ("Add", [0, 1], [], []),
                                    ("Linear 4 2", [2], w2, b2)])
        defer { lrp_model_free(model) }
        #expect(lrp_set_rule_spec(model, -1, "epsilon:epsilon=0.01") == LRP_OK)
        #expect(lrp_set_rule_spec(model, 1, "gradient_x_input") == LRP_OK)
        #expect(lrp_set_rule_spec(model, 2, "gradient") == LRP_OK)
        let x = random.uniform(12)
        let y = try Self.forward(model, x, [3, 4], outputs: 6)
        // Add's inputs one after the other (2 × 12 values), Reshape's input, Linear 2's input.
        let results = try Self.relevanceAt(model, y, layers: [2, 1, 3], sizes: [24, 12, 12])
        let atAdd = results[0], atReshape = results[1], atTop = results[2]
        #expect(Array(atAdd[0..<12]) == atTop, "Add's first input: \(Array(atAdd[0..<12])) vs \(atTop)")
        #expect(Array(atAdd[12..<24]) == atTop, "Add's second input")
        // a: the output of the first Linear.
        var a = [Double](repeating: 0, count: 12)
        for n in 0..<3 { for j in 0..<4 { a[n * 4 + j] = b1[j] + (0..<4).reduce(0) { $0 + x[n * 4 + $1] * w1[$1 * 4 + j] } } }
        for i in 0..<12 { #expect(abs(atReshape[i] - a[i] * atTop[i]) <= 1e-14 * Swift.max(1, abs(a[i] * atTop[i]))) }
    }

    @Test("views: reshaping and pass-through backward give read-only views; element-wise results are new")
    func views() throws {
        let t = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        #expect(!t.isView)
        #expect(try t.reshaped([3, 2]).isView)
        let back = try Flatten().backward(t, input: try t.reshaped([2, 3, 1, 1]), output: t).input
        #expect(back.isView)
        let add = try Add().backward(t, inputs: [t, t], output: t)
        #expect(add.count == 2 && add[0].isView && add[1].isView)
        let g = try Flatten().relevance(t, input: try t.reshaped([2, 3, 1, 1]), output: t, rule: .gradientTimesInput)
        #expect(!g.isView)
        #expect(t.data == [1, 2, 3, 4, 5, 6])
    }

    @Test("one model from four threads at once gives the serial results every time")
    func concurrentCalls() throws {
        var random = SeededRandom(seed: 3)
        let model = try Self.build([("Linear 64 128", [-1], random.uniform(64 * 128), random.uniform(128)),
                                    ("Rect", [0], [], []), ("Linear 128 10", [1], random.uniform(1280), random.uniform(10))])
        defer { lrp_model_free(model) }
        let inputs = (0..<4).map { _ in random.uniform(Self.batch * 64) }
        let box = ModelBox(model: model)
        let serialY = inputs.map { Self.forwardOnly(box, $0) }, serialR = inputs.map { Self.explain(box, $0) }
        let mismatches = Mutex(0)
        // Single calls with no lock of the caller's: forward passes of different inputs, presets and
        // descriptions, from four threads at once; each call must see a consistent model.
        DispatchQueue.concurrentPerform(iterations: 4 * 30) { i in
            let k = i % 4
            var buffer = [CChar](repeating: 0, count: 256)
            var parameter = 0.0
            let ok = Self.forwardOnly(box, inputs[k]) == serialY[k] && lrp_model_layer_count(box.model) == 3
                && lrp_model_layer_describe(box.model, 1, &buffer, 256) == LRP_OK
                && String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) == "Rect"
                && lrp_set_rule(box.model, 0, "epsilon", 0.01) == LRP_OK
                && lrp_get_rule(box.model, 0, &buffer, 256, &parameter) == LRP_OK
            if !ok { mismatches.withLock { $0 += 1 } }
        }
        // Relevance calls racing with forward calls: each relevance call must see one whole forward pass, so its
        // result is the serial relevance of r_k for one of the inputs (a torn pass would match none).
        var expected: [[[Double]?]] = []
        for j in 0..<4 {
            _ = Self.forwardOnly(box, inputs[j])
            expected.append((0..<4).map { k in serialY[k].flatMap { Self.relevanceOnly(box, $0) } })
        }
        let table = expected
        DispatchQueue.concurrentPerform(iterations: 4 * 30) { i in
            let k = i % 4
            if i % 2 == 0 {
                if Self.forwardOnly(box, inputs[k]) != serialY[k] { mismatches.withLock { $0 += 1 } }
            } else if let y = serialY[k] {
                let rx = Self.relevanceOnly(box, y)
                if rx == nil || !table.contains(where: { $0[k] == rx }) { mismatches.withLock { $0 += 1 } }
            }
        }
        // A forward pass belongs to the model: threads that explain their own inputs take turns on the pair
        // (the header's rule), and then every one gets its serial result.
        DispatchQueue.concurrentPerform(iterations: 4 * 10) { i in
            if Self.explain(box, inputs[i % 4]) != serialR[i % 4] { mismatches.withLock { $0 += 1 } }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }

    /// A model pointer shared by the threads of a test (the library serializes calls on it).
    struct ModelBox: @unchecked Sendable {
        let model: OpaquePointer?
    }

    /// The batch of the threads test.
    static let batch = 96

    /// lrp_forward of a batch×64 input through the 64→128→10 test model.
    static func forwardOnly(_ box: ModelBox, _ x: [Double]) -> [Double]? {
        var y = [Double](repeating: 0, count: batch * 10)
        var rank: Int32 = 0
        var shape = [Int64](repeating: 0, count: Int(LRP_MAX_RANK))
        return lrp_forward(box.model, x, 2, [Int64(batch), 64], &y, Int64(y.count), &rank, &shape) == LRP_OK ? y : nil
    }

    /// lrp_relevance (α2β1) of output relevance `y` for the model's current forward pass.
    static func relevanceOnly(_ box: ModelBox, _ y: [Double]) -> [Double]? {
        var rx = [Double](repeating: 0, count: batch * 64)
        return lrp_relevance(box.model, y, Int64(y.count), "alphabeta", 2, &rx, Int64(rx.count)) == LRP_OK ? rx : nil
    }

    /// forward and relevance as one unit, under the caller's lock: a pass belongs to one sequence of calls.
    static func explain(_ box: ModelBox, _ x: [Double]) -> [Double]? {
        pairLock.lock()
        defer { pairLock.unlock() }
        var rx = [Double](repeating: 0, count: x.count)
        guard let y = forwardOnly(box, x),
              lrp_relevance(box.model, y, Int64(y.count), "alphabeta", 2, &rx, Int64(rx.count)) == LRP_OK else { return nil }
        return rx
    }

    static let pairLock = NSLock()
}
