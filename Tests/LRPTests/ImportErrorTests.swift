import Foundation
import LRP
import Testing

/// Broken model files and mismatched configs: each gives an error that names the file, the layer and the
/// problem, and nothing crashes — also for files cut off at any point.
@Suite("Import errors")
struct ImportErrorTests {
    static func fixture(_ relative: String) -> String { FixtureImportTests.fixture(relative) }

    /// Reads `path` with `companion` and returns the error (recording an issue when reading succeeds).
    static func failure(_ path: String, _ companion: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> LRPError? {
        do {
            _ = try ModelFormats.read(path: path, format: nil, companion: companion, options: ImportOptions())
            Issue.record("reading '\(path)' succeeded", sourceLocation: sourceLocation)
        } catch let error as LRPError {
            return error
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    static func expectFailure(_ path: String, _ companion: String? = nil, kind: (LRPError) -> Bool, _ parts: [String],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = failure(path, companion, sourceLocation: sourceLocation) else { return }
        #expect(kind(error), "wrong kind of error: \(error)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(error.message.contains(part), "'\(error.message)' does not mention '\(part)'", sourceLocation: sourceLocation)
        }
    }

    static func isFormat(_ e: LRPError) -> Bool { if case .format = e { return true } else { return false } }
    static func isUnsupported(_ e: LRPError) -> Bool { if case .unsupported = e { return true } else { return false } }
    static func isShape(_ e: LRPError) -> Bool { if case .shape = e { return true } else { return false } }
    static func isArgument(_ e: LRPError) -> Bool { if case .argument = e { return true } else { return false } }
    static func isIO(_ e: LRPError) -> Bool { if case .io = e { return true } else { return false } }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    // MARK: Keras

    @Test("HDF5: missing, empty, not HDF5, truncated; weights only without the architecture")
    func brokenHDF5() throws {
        let folder = try TemporaryFolder()
        Self.expectFailure(folder.url.appendingPathComponent("nothing.h5").path, kind: Self.isIO, ["nothing.h5"])
        Self.expectFailure(try folder.writeBytes("empty.h5", []), kind: Self.isFormat, ["empty.h5", "not an HDF5 file"])
        Self.expectFailure(try folder.write("text.h5", "this is not HDF5\n"), kind: Self.isFormat, ["text.h5", "not an HDF5 file"])
        let whole = try Self.bytes(Self.fixture("keras/residual_graph.h5"))
        let cut = try folder.writeBytes("cut.h5", Array(whole[0..<(whole.count / 2)]))
        Self.expectFailure(cut, kind: Self.isFormat, ["cut.h5"])
        Self.expectFailure(Self.fixture("keras/grouped_sequential.weights.h5"), kind: Self.isArgument,
                           ["grouped_sequential.weights.h5", "weights only", "architecture JSON"])
    }

    @Test("Keras configs: unknown layer class, unsupported options, missing weights, shapes that disagree, bad JSON")
    func kerasConfigs() throws {
        let folder = try TemporaryFolder()
        let weights = Self.fixture("keras/grouped_sequential.weights.h5")
        let json = try String(contentsOfFile: Self.fixture("keras/grouped_sequential.json"), encoding: .utf8)
        func variant(_ name: String, _ from: String, _ to: String) throws -> String {
            #expect(json.contains(from), "the fixture JSON has no '\(from)'")
            return try folder.write(name, json.replacingOccurrences(of: from, with: to))
        }
        Self.expectFailure(weights, try variant("lstm.json", "\"class_name\": \"Dense\"", "\"class_name\": \"LSTM\""),
                           kind: Self.isUnsupported, ["layer 'dense' (LSTM)", "the layer class LSTM is not supported"])
        Self.expectFailure(weights, try variant("cf.json", "\"data_format\": \"channels_last\"", "\"data_format\": \"channels_first\""),
                           kind: Self.isUnsupported, ["layer 'grouped' (Conv2D)", "data_format 'channels_first' is not supported"])
        Self.expectFailure(weights, try variant("dilated.json", "\"dilation_rate\": [\n      1,\n      1\n     ]", "\"dilation_rate\": [2, 2]"),
                           kind: Self.isUnsupported, ["layer 'grouped' (Conv2D)", "dilation_rate"])
        Self.expectFailure(weights, try variant("elu.json", "\"activation\": \"tanh\"", "\"activation\": \"elu\""),
                           kind: Self.isUnsupported, ["layer 'dense' (Dense)", "activation 'elu' is not supported"])
        Self.expectFailure(weights, try variant("renamed.json", "\"name\": \"dense\"", "\"name\": \"dense_renamed\""),
                           kind: Self.isFormat, ["layer 'dense_renamed' (Dense)", "kernel is missing", "no weights for it"])
        Self.expectFailure(weights, try variant("units.json", "\"units\": 3", "\"units\": 7"),
                           kind: Self.isShape, ["layer 'dense' (Dense)", "the kernel is 36×3", "7 units"])
        Self.expectFailure(weights, try folder.write("broken.json", String(json.prefix(200))),
                           kind: Self.isFormat, ["broken.json", "JSON line"])
        Self.expectFailure(weights, try folder.write("list.json", "[1, 2]"), kind: Self.isFormat, ["list.json", "class_name"])
        // The architecture is read before the weights: its errors name it, even when the weights are missing.
        Self.expectFailure(folder.url.appendingPathComponent("absent.h5").path, try folder.write("architecture-first.json", "[1, 2]"),
                           kind: Self.isFormat, ["architecture-first.json", "class_name"])
    }

    // MARK: Caffe

    @Test("Caffe: truncated and corrupt .caffemodel, prototxt errors with lines, weights that do not fit, unknown types")
    func caffe() throws {
        let folder = try TemporaryFolder()
        let prototxt = Self.fixture("caffe/branchy_deploy.prototxt")
        let model = try Self.bytes(Self.fixture("caffe/branchy.caffemodel"))
        Self.expectFailure(prototxt, try folder.writeBytes("cut.caffemodel", Array(model[0..<(model.count - 100)])),
                           kind: Self.isFormat, ["cut.caffemodel", "truncated"])
        Self.expectFailure(prototxt, try folder.writeBytes("noise.caffemodel", (0..<4000).map { UInt8(truncatingIfNeeded: $0 * 7919 + 13) }),
                           kind: Self.isFormat, ["noise.caffemodel"])
        let text = try String(contentsOfFile: prototxt, encoding: .utf8)
        let weights = Self.fixture("caffe/branchy.caffemodel")
        Self.expectFailure(try folder.write("syntax.prototxt", text.replacingOccurrences(of: "top: \"norm\"", with: "top \"norm\"")),
                           weights, kind: Self.isFormat, ["syntax.prototxt", "line 13", "needs ':'"])
        Self.expectFailure(try folder.write("outputs.prototxt", text.replacingOccurrences(of: "num_output: 16", with: "num_output: 12")),
                           weights, kind: Self.isShape, ["outputs.prototxt", "layer 'conv3' (Convolution, line 17)", "the prototxt needs 12×8×2×2"])
        Self.expectFailure(try folder.write("type.prototxt", text.replacingOccurrences(of: "\"LRN\"", with: "\"SPP\"")),
                           weights, kind: Self.isUnsupported, ["layer 'norm' (SPP, line 13)", "the layer type SPP is not supported"])
        Self.expectFailure(try folder.write("renamed.prototxt", text.replacingOccurrences(of: "name: \"fc3\"", with: "name: \"fc9\"")),
                           weights, kind: Self.isFormat, ["layer 'fc9' (InnerProduct", "has no weights for this layer"])
        Self.expectFailure(try folder.write("leaky.prototxt", text.replacingOccurrences(of: "type: \"ReLU\" bottom: \"conv1\" top: \"conv1\"",
                                                                                            with: "type: \"ReLU\" bottom: \"conv1\" top: \"conv1\" relu_param { negative_slope: 0.1 }")),
                           weights, kind: Self.isUnsupported, ["layer 'relu1' (ReLU", "negative_slope 0.1"])
        Self.expectFailure(try folder.write("dangling.prototxt", text.replacingOccurrences(of: "bottom: \"pool_ave\"", with: "bottom: \"pool_avg\"")),
                           weights, kind: Self.isFormat, ["layer 'concat' (Concat", "reads 'pool_avg', which no earlier layer produces"])
        Self.expectFailure(prototxt, nil, kind: Self.isArgument, ["needs its prototxt and its weights"])
        // Absurd sizes in a prototxt are errors before anything of that size is allocated.
        Self.expectFailure(try folder.write("huge.prototxt", text.replacingOccurrences(of: "num_output: 10", with: "num_output: 4000000000000")),
                           weights, kind: Self.isShape, ["layer 'fc1' (InnerProduct", "4000000000000"])
        Self.expectFailure(try folder.write("wide.prototxt", text.replacingOccurrences(of: "dim: 11 dim: 11", with: "dim: 3000000 dim: 3000000")),
                           weights, kind: { _ in true }, ["wide.prototxt"])
        Self.expectFailure(try folder.write("pad.prototxt", text.replacingOccurrences(of: "stride: 2 pad: 1 }", with: "stride: 2 pad: 4611686018427387904 }")),
                           weights, kind: Self.isArgument, ["layer 'conv1' (Convolution", "beyond 2^30"])
    }

    @Test("npz and npy weights: truncated archives, bad keys, missing arrays, hostile pickles")
    func archivesAndPickles() throws {
        let folder = try TemporaryFolder()
        let prototxt = Self.fixture("caffe/v1net_deploy.prototxt")
        let npz = folder.url.appendingPathComponent("w.npz").path
        try CaffeModelFormat.convertWeights(caffemodel: Self.fixture("caffe/v1net.caffemodel"), prototxt: prototxt, to: npz)
        let whole = try Self.bytes(npz)
        Self.expectFailure(prototxt, try folder.writeBytes("cut.npz", Array(whole[0..<(whole.count - 30)])), kind: Self.isFormat, ["cut.npz"])
        try NumpyArchiveFormat().write([("conv", try Tensor(shape: [1], data: [1]))], path: folder.url.appendingPathComponent("keys.npz").path)
        Self.expectFailure(prototxt, folder.url.appendingPathComponent("keys.npz").path, kind: Self.isFormat,
                           ["keys.npz", "array 'conv' is not named '<layer>/<blob index>'"])
        try NumpyArchiveFormat().write([("conv/0", try Tensor(shape: [3, 2, 3, 3], data: Array(repeating: 0.5, count: 54)))],
                                       path: folder.url.appendingPathComponent("partial.npz").path)
        Self.expectFailure(prototxt, folder.url.appendingPathComponent("partial.npz").path, kind: Self.isFormat,
                           ["layer 'conv' (Convolution", "has 1 blobs for this layer, it needs 2"])

        // A pickle that would run os.system("ls"), inside an object npy: refused by name, nothing runs.
        let header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }" + String(repeating: " ", count: 69) + "\n"
        var npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        npy += [0x80, 0x02] + Array("cos\nsystem\n".utf8) + [0x58, 2, 0, 0, 0] + Array("ls".utf8) + [0x85, 0x52, 0x2E]
        Self.expectFailure(prototxt, try folder.writeBytes("hostile.npy", npy), kind: Self.isFormat, ["hostile.npy", "os.system", "refusing"])
        if Shared.enabled {
            let real = try Self.bytes(Shared.path("models/caffe/ethereon_lenet.caffe-tensorflow.npy"))
            Self.expectFailure(try folder.writeBytes("cut.npy", Array(real.prefix(5000))), Shared.path("models/caffe/ethereon_lenet_deploy.prototxt"),
                               kind: Self.isFormat, ["cut.npy", "pickle", "truncated"])
        }
    }

    @Test("model archives: missing arrays, arrays of the wrong shape, corrupt JSON, unknown layers")
    func brokenArchives() throws {
        let folder = try TemporaryFolder()
        // A hand-made archive of the documented layout: a chain Linear 3 2 → Rect.
        let architecture = """
            {"format": "liblrp-model", "version": 1, "input": {"name": "x", "shape": [3]},
             "nodes": [{"name": "fc", "layer": "Linear 3 2", "inputs": ["x"], "parameters": ["fc/W", "fc/B"]},
                       {"name": "relu", "layer": "Rect", "inputs": ["fc"]}],
             "output": "relu"}
            """
        let w = NumpyFormat.encode(try Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6]))
        let b = NumpyFormat.encode(try Tensor(shape: [2], data: [0.5, -0.5]))
        func archive(_ name: String, _ json: String, _ arrays: [(String, [UInt8])]) throws -> String {
            try folder.writeBytes(name, TestZip.stored([("architecture.json", Array(json.utf8))] + arrays))
        }
        let good = try ModelFormats.read(path: try archive("good.npz", architecture, [("fc/W.npy", w), ("fc/B.npy", b)]))
        #expect(good is Sequential && good.inputShape == [3] && good.name(of: 0) == "fc")
        #expect(try good.forward(try Tensor(shape: [1, 3], data: [1, 0, -1])).output?.data == [0, 0])
        Self.expectFailure(try archive("missing.npz", architecture, [("fc/B.npy", b)]), kind: Self.isFormat,
                           ["missing.npz", "node 0 'fc'", "no array 'fc/W'"])
        Self.expectFailure(try archive("shape.npz", architecture, [("fc/W.npy", w), ("fc/B.npy", w)]), kind: Self.isShape,
                           ["node 0 'fc'", "array 'fc/B' is 3×2", "needs B 2"])
        Self.expectFailure(try archive("json.npz", String(architecture.dropLast(30)), [("fc/W.npy", w), ("fc/B.npy", b)]),
                           kind: Self.isFormat, ["json.npz", "architecture.json", "JSON line"])
        Self.expectFailure(try archive("layer.npz", architecture.replacingOccurrences(of: "Rect", with: "Relu"), [("fc/W.npy", w), ("fc/B.npy", b)]),
                           kind: Self.isArgument, ["node 1 'relu'", "unknown layer name 'Relu'"])
        Self.expectFailure(try archive("reads.npz", architecture.replacingOccurrences(of: "[\"fc\"]", with: "[\"fc2\"]"), [("fc/W.npy", w), ("fc/B.npy", b)]),
                           kind: Self.isFormat, ["node 1 'relu'", "neither the input nor an earlier node"])
        Self.expectFailure(try archive("plain.npz", "", []).replacingOccurrences(of: "plain", with: "plain"), kind: Self.isFormat, ["plain.npz"])
        try NumpyArchiveFormat().write([("x", try Tensor(shape: [1], data: [1]))], path: folder.url.appendingPathComponent("arrays.npz").path)
        Self.expectFailure(folder.url.appendingPathComponent("arrays.npz").path, kind: Self.isFormat, ["no 'architecture.json' member"])
    }

    @Test("files with random bytes changed give errors or models, never crashes (the parsers written in Swift)",
          arguments: ["caffe/branchy.caffemodel", "caffe/branchy_deploy.prototxt", "keras/grouped_sequential.json", "model.npz"])
    func mutatedEverywhere(_ file: String) throws {
        let folder = try TemporaryFolder()
        var source = Self.fixture(file)
        if file == "model.npz" {
            source = folder.path("model.npz")
            try ModelFormats.write(try FixtureImportTests.load(3), path: source)
        }
        let whole = try Self.bytes(source)
        var random = SeededRandom(seed: 77)
        let name = "mutated." + URL(fileURLWithPath: file).pathExtension
        for _ in 0..<150 {
            var bytes = whole
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            let path = try folder.writeBytes(name, bytes)
            let (model, companion): (String, String?)
            switch file {
            case "caffe/branchy.caffemodel": (model, companion) = (Self.fixture("caffe/branchy_deploy.prototxt"), path)
            case "caffe/branchy_deploy.prototxt": (model, companion) = (path, Self.fixture("caffe/branchy.caffemodel"))
            case "keras/grouped_sequential.json": (model, companion) = (Self.fixture("keras/grouped_sequential.weights.h5"), path)
            default: (model, companion) = (path, nil)
            }
            do {
                let network = try ModelFormats.read(path: model, format: nil, companion: companion, options: ImportOptions())
                _ = try? network.forward(try Tensor.zeros([1] + (network.inputShape ?? [1])))
            } catch is LRPError {}
        }
    }

    @Test("files cut off anywhere give errors, never crashes", arguments: ["keras/residual_graph.h5", "caffe/branchy.caffemodel", "model.npz"])
    func truncatedEverywhere(_ file: String) throws {
        let folder = try TemporaryFolder()
        var source = Self.fixture(file)
        if file == "model.npz" {
            source = folder.url.appendingPathComponent("model.npz").path
            try ModelFormats.write(try FixtureImportTests.load(0, keep: true), path: source)
        }
        let whole = try Self.bytes(source)
        let companion: String? = file.hasSuffix(".caffemodel") ? Self.fixture("caffe/branchy_deploy.prototxt") : nil
        let name = "cut." + URL(fileURLWithPath: file).pathExtension
        var failures = 0
        for step in 1..<60 {
            let length = whole.count * step / 60
            let path = try folder.writeBytes(name, Array(whole[0..<length]))
            do {
                _ = try ModelFormats.read(path: path, format: nil, companion: companion, options: ImportOptions())
            } catch is LRPError {
                failures += 1
            }
        }
        #expect(failures == 59, "every truncated copy of \(file) should be refused")
    }
}

/// Stored zip archives for tests, written from the zip specification (local headers, central directory,
/// CRC-32), independent of the library's writer.
enum TestZip {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func stored(_ members: [(String, [UInt8])]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
        var out: [UInt8] = [], directory: [UInt8] = []
        for (name, data) in members {
            let offset = UInt32(out.count), crc = crc32(data), n = Array(name.utf8)
            let common = le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count))
                + le16(n.count) + le16(0)
            out += le32(0x0403_4B50) + common + n + data
            directory += le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + n
        }
        let start = UInt32(out.count)
        out += directory
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(members.count) + le16(members.count)
            + le32(UInt32(directory.count)) + le32(start) + le16(0)
        return out
    }
}
