import Foundation
import LRP
import Testing

/// The project's own Keras and Caffe fixtures (Tests/fixtures, written by real Keras and by an independent
/// numpy implementation of Caffe's forward pass): outputs, relevance against `SlowNetwork`, archive round trips.
@Suite("Keras and Caffe fixtures")
struct FixtureImportTests {
    static func fixture(_ relative: String) -> String {
        Shared.repository.appendingPathComponent("Tests/fixtures/" + relative).path
    }

    /// (name, model file, companion, reference key in <name>.io.npz, tolerance of the outputs)
    static let cases: [(String, String, String?, String, Double)] = [
        ("residual_graph", "keras/residual_graph.h5", nil, "y", 1e-5),
        ("grouped_sequential", "keras/grouped_sequential.weights.h5", "keras/grouped_sequential.json", "y", 1e-5),
        ("branchy", "caffe/branchy_deploy.prototxt", "caffe/branchy.caffemodel", "prob", 1e-12),
        ("v1net", "caffe/v1net_deploy.prototxt", "caffe/v1net.caffemodel", "prob", 1e-12),
    ]

    static func load(_ index: Int, keep: Bool = false) throws -> any Network {
        let (_, file, companion, _, _) = cases[index]
        var options = ImportOptions()
        options.keepBatchNorm = keep
        return try ModelFormats.read(path: fixture(file), format: nil, companion: companion.map { fixture($0) }, options: options)
    }

    static func io(_ index: Int, _ key: String) throws -> Tensor {
        let (name, file, _, _, _) = cases[index]
        let folder = file.hasPrefix("keras/") ? "keras/" : "caffe/"
        return try ArrayFormats.read(path: fixture(folder + name + ".io.npz"), key: key)
    }

    static let rules: [Rule] = [.simple, .epsilon(0.01), .alphabeta(alpha: 1), .alphabeta(alpha: 2), .ww, .flat]

    @Test("outputs equal the framework's (Keras: float32, within 1e-5; Caffe: numpy float64, within 1e-12)", arguments: cases.indices)
    func outputs(_ index: Int) throws {
        let (name, _, _, key, tolerance) = Self.cases[index]
        let model = try Self.load(index)
        let y = try #require(try model.forward(try Self.io(index, "x")).output)
        expectClose(y, try Self.io(index, key), tolerance: tolerance, name)
        let kept = try Self.load(index, keep: true)
        expectClose(try #require(try kept.forward(try Self.io(index, "x")).output), y, tolerance: 1e-12, "\(name), BatchNorm kept")
    }

    @Test("the structure: graphs stay graphs, chains become Sequential, names and input shapes carried over")
    func structure() throws {
        let residual = try Self.load(0)
        #expect(residual is Graph)
        #expect(residual.inputShape == [12, 12, 3])
        let names = (0..<residual.layerCount).map { residual.name(of: $0) }
        #expect(names.contains("conv_a/relu") && names.contains("residual") && !names.contains("bn_merged"))
        #expect(names.contains("bn_after_relu"), "a BatchNorm after an activation cannot be merged and stays")
        #expect(try Self.load(1) is Sequential)
        #expect(try Self.load(3) is Sequential)
        #expect(try Self.load(3).inputShape == [8, 8, 2])
        let branchy = try Self.load(2)
        #expect(branchy is Graph && branchy.inputShape == [11, 11, 3])
        #expect(!(0..<branchy.layerCount).contains { branchy.name(of: $0) == "bn1" }, "BatchNorm+Scale merged into conv1")
        let kept = try Self.load(2, keep: true)
        #expect((0..<kept.layerCount).contains { kept.name(of: $0) == "bn1" && kept.header(of: $0) == "BatchNorm 8" })
    }

    @Test("forward and relevance of every rule equal a slow implementation of the whole model", arguments: cases.indices)
    func slowRelevance(_ index: Int) throws {
        for keep in [false, true] {
            let model = try Self.load(index, keep: keep)
            let x = try Self.io(index, "x")
            let pass = try model.forward(x)
            let y = try #require(pass.output)
            var slow = SlowNetwork(model)
            let slowY = try slow.forward(x)
            #expect(relativeError(y.data, slowY) <= 1e-12, "\(Self.cases[index].0) forward")
            // The usual start: the output masked to each sample's top class.
            let classes = y.shape[1]
            let r = y.data.enumerated().map { i, v in
                let row = i / classes
                let top = (0..<classes).max { y.data[row * classes + $0] < y.data[row * classes + $1] } ?? 0
                return i % classes == top ? v : 0
            }
            for rule in Self.rules {
                let ours = try model.relevance(try Tensor(shape: y.shape, data: r), of: pass, rule: rule)
                let error = relativeError(ours.data, slow.relevance(r, rule: rule))
                if ProcessInfo.processInfo.environment["LRP_REPORT_ERRORS"] != nil { print("slow \(Self.cases[index].0) keep=\(keep) \(rule): \(error) sum \(ours.data.reduce(0, +)) max \(ours.data.map(abs).max() ?? 0)") }
                #expect(error <= 1e-9, "\(Self.cases[index].0) (BatchNorm \(keep ? "kept" : "merged")) \(rule): relative error \(error)")
            }
        }
    }

    @Test("written to the model archive and read back: same structure, names, presets, outputs", arguments: cases.indices)
    func archiveRoundTrip(_ index: Int) throws {
        var model = try Self.load(index, keep: true)
        try model.setPreset(.epsilon(0.25), layer: 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lrp-archive-\(getpid())-\(index)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("model.npz").path
        try ModelFormats.write(model, path: path)
        let back = try ModelFormats.read(path: path)
        #expect(type(of: back) == type(of: model))
        #expect(back.layerCount == model.layerCount && back.outputIndex == model.outputIndex && back.inputShape == model.inputShape)
        for i in 0..<model.layerCount {
            #expect(back.header(of: i) == model.header(of: i) && back.name(of: i) == model.name(of: i))
            #expect(back.inputs(of: i) == model.inputs(of: i) && back.presets[i] == model.presets[i])
            #expect(back.parameters(of: i).map(\.data) == model.parameters(of: i).map(\.data))
        }
        let x = try Self.io(index, "x")
        let (a, b) = (try model.forward(x), try back.forward(x))
        #expect(a.output == b.output)
        #expect(try model.relevance(try #require(a.output), of: a, rule: nil) == back.relevance(try #require(b.output), of: b, rule: nil))
    }

    @Test("the text format takes only the toolbox's layers: imported graphs and options are refused with a pointer to the archive")
    func textFormatRefuses() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lrp-text-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.txt").path
        #expect(throws: LRPError.unsupported("the text format holds chains of layers only; write this graph in the npz model format")) {
            try ModelFormats.write(try Self.load(0), path: path)
        }
        do {
            try ModelFormats.write(try Self.load(1), path: path)
            Issue.record("a padded convolution was written in the text format")
        } catch let error as LRPError {
            #expect(error.message.contains("layer 0 (Convolution 3 3 4 6 2 2 pad=same groups=2) is not one of the toolbox's layers"))
            #expect(error.message.contains("npz model archive"))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
