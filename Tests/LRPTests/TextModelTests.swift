import Foundation
import LRP
import Testing

@Suite("Plain-text model format")
struct TextModelTests {
    /// A small model with every layer type, random weights.
    static func everyLayerModel() throws -> Sequential {
        var random = SeededRandom(seed: 42)
        return Sequential(layers: [
            try Convolution(filterHeight: 3, filterWidth: 3, inputChannels: 2, filters: 4, strideHeight: 1, strideWidth: 1,
                            weights: random.uniform(72), bias: random.uniform(4)),
            Tanh(),
            try MaxPool(pool: (2, 2), stride: (2, 2)),
            try Convolution(filterHeight: 2, filterWidth: 2, inputChannels: 4, filters: 3, strideHeight: 1, strideWidth: 1,
                            weights: random.uniform(48).map { $0 * 1e-7 }, bias: [1e300, -0.0, Double.leastNonzeroMagnitude]),
            Rect(),
            try SumPool(pool: (2, 2), stride: (1, 1)),
            Flatten(),
            try Linear(inputs: 12, outputs: 2, weights: random.uniform(24).map { $0 / 3 }, bias: random.uniform(2)),
            SoftMax(),
        ])
    }

    @Test("write → read gives identical weights, headers and outputs")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        let model = try Self.everyLayerModel()
        let path = folder.path("model.txt")
        try ModelFormats.write(model, path: path)
        let back = try readChain(path)
        #expect(back.layers.map(\.header) == model.layers.map(\.header))
        for (a, b) in zip(model.layers, back.layers) {
            if let a = a as? Convolution, let b = b as? Convolution {
                #expect(a.weights == b.weights && a.bias == b.bias)
                #expect(a.bias.data[1].sign == b.bias.data[1].sign, "-0.0 keeps its sign")
            }
            if let a = a as? Linear, let b = b as? Linear { #expect(a.weights == b.weights && a.bias == b.bias) }
        }
        var random = SeededRandom(seed: 1)
        let x = try Tensor(shape: [2, 10, 10, 2], data: random.uniform(400))
        let original = try #require(try model.forward(x).output), reread = try #require(try back.forward(x).output)
        #expect(original.data == reread.data)
        // Writing the read model again gives the same bytes.
        let again = folder.path("again.txt")
        try ModelFormats.write(back, path: again)
        #expect(try FileIO.read(path) == (try FileIO.read(again)))
    }

    @Test("LeNet-5 and the MLP survive write → read bit for bit", .enabled(if: Shared.enabled, Shared.skipMessage))
    func sharedModelsRoundTrip() throws {
        let folder = try TemporaryFolder()
        for name in ["LeNet-5.txt", "mlp-rect.txt", "xor_net_small.txt"] {
            let model = try readChain(Shared.path("models/\(name)"))
            try ModelFormats.write(model, path: folder.path(name))
            let back = try readChain(folder.path(name))
            let text = try TextModelFormat().serialize(model)
            #expect(text == (try TextModelFormat().serialize(back)), "\(name)")
        }
    }

    @Test("the older form (W as m lines of n) reads like the current form")
    func olderForm() throws {
        let folder = try TemporaryFolder()
        let current = try folder.write("current.txt", "Linear 2 3\n1 2 3 4 5 6\n0.5 -0.5 0\nTanh\n")
        let older = try folder.write("older.txt", "Linear 2 3\r\n1 2 3\r\n4 5 6\r\n0.5 -0.5 0\r\n\r\nTanh\r\n")
        let a = try readChain(current), b = try readChain(older)
        let la = try #require(a.layers[0] as? Linear), lb = try #require(b.layers[0] as? Linear)
        #expect(la.weights.data == [1, 2, 3, 4, 5, 6] && lb.weights == la.weights && lb.bias == la.bias)
        #expect(b.layers.count == 2)
    }

    /// (file content, expected error kind, fragments the message must contain).
    static let malformed: [(String, String, [String])] = [
        ("", "format", ["empty"]),
        ("\n  \n", "format", ["empty"]),
        ("Linear 2 3\n1 2 3 4 5 6\n1 2 3\nPooling 2 2 2 2\n", "format", ["line 4", "unknown layer name 'Pooling'"]),
        ("Linear 2 3\n1 2 3 x 5 6\n1 2 3\n", "format", ["line 2", "'x'", "not a finite number"]),
        ("Linear 2 3\n1 2 3 4 5\n1 2 3\n", "format", ["line 2", "too few weights", "found 5"]),
        ("Linear 2 3\n1 2 3 4 5 6 7\n1 2 3\n", "format", ["line 2", "too many weights", "found 7"]),
        ("Linear 2 3\n1 2 3 4 5 6\n1 2\n", "format", ["line 3", "too few bias", "found 2"]),
        ("Linear 2 3\n1 2 3 4 5 6\n", "format", ["ends where the bias", "Linear 2 3 (line 1)"]),
        ("Linear 0 3\n\n", "format", ["line 1", "≥ 1", "got 0"]),
        ("Convolution 5 5 1 -2 1 1\n", "format", ["line 1", "≥ 1", "got -2"]),
        ("SumPool 2 2 2\n", "format", ["line 1", "SumPool ph pw sh sw", "found 3"]),
        ("MaxPool 2 2 two 2\n", "format", ["line 1", "'two' is not an integer"]),
        ("Rect 3\n", "format", ["line 1", "Rect takes no parameters"]),
        ("Convolution 2 2 1 1 1 1\n1 2 3\n0\n", "format", ["line 2", "too few weights", "needs 4"]),
        ("Linear 2 1\nnan 1\n0\n", "format", ["line 2", "'nan'"]),
        ("Linear 99999999999 99999999999\n1\n", "format", ["line 1", "too large"]),
    ]

    @Test("malformed files give format errors that name the line", arguments: 0..<malformed.count)
    func malformedFiles(_ index: Int) throws {
        let (content, _, fragments) = Self.malformed[index]
        let folder = try TemporaryFolder()
        let path = try folder.write("bad.txt", content)
        do {
            _ = try readChain(path)
            Issue.record("no error for \(content.debugDescription)")
        } catch let error as LRPError {
            guard case .format = error else { Issue.record("\(error) is not a format error"); return }
            #expect(error.message.contains("'\(path)'"), "message names the file: \(error.message)")
            for fragment in fragments {
                #expect(error.message.contains(fragment), "'\(fragment)' missing from: \(error.message)")
            }
        }
    }

    @Test("randomly corrupted model files are read or refused, never trapped on")
    func corruptedFiles() throws {
        let folder = try TemporaryFolder()
        let original = Array(try TextModelFormat().serialize(try Self.everyLayerModel()).utf8)
        let junk = ["x", "0", "-", "\n", " ", "99999999999999999999", "1e400", "\r", "Linear", "nan", ""].map { Array($0.utf8) }
        var random = SeededRandom(seed: 99)
        var read = 0, refused = 0
        for _ in 0..<400 {
            let at = Int.random(in: 0..<original.count, using: &random)
            let truncate = Int.random(in: 0..<4, using: &random) == 0
            var bytes = Array(original[..<at]) + (junk.randomElement(using: &random) ?? [])
            if !truncate { bytes += original[(at + 1)...] }
            let path = folder.path("corrupt.txt")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let model = try readChain(path)
                read += 1
                // What reads must also run (or fail with an error) on a fitting input.
                if let pass = try? model.forward(try Tensor(shape: [1, 10, 10, 2], data: random.uniform(200))),
                   let output = pass.output {
                    _ = try? model.relevance(output, of: pass, rule: .alphabeta(alpha: 2))
                }
            } catch is LRPError {
                refused += 1
            }
        }
        #expect(read + refused == 400)
        #expect(refused > 100, "most corruptions are detected (\(refused) of 400)")
    }

    @Test("missing, unreadable and unknown files")
    func fileErrors() throws {
        let folder = try TemporaryFolder()
        #expect(throws: LRPError.io("cannot open '\(folder.path("nope.txt"))': No such file or directory")) {
            try readChain(folder.path("nope.txt"))
        }
        #expect(throws: LRPError.io("cannot read '\(folder.url.path)': it is a directory")) {
            try readChain(folder.url.path, format: "txt")
        }
        do {
            _ = try readChain(folder.path("model.bin"))
            Issue.record("an unknown extension was accepted")
        } catch let error as LRPError {
            #expect(error == .unsupported("cannot tell the model format of '\(folder.path("model.bin"))' from its extension (known: .txt, .npz, .h5, .hdf5, .json, .prototxt, .caffemodel); name the format"))
        }
        #expect(throws: LRPError.self) { try readChain(folder.path("m.txt"), format: "onnx") }
    }

    @Test("a failed write leaves the existing file as it was")
    func atomicWrite() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("keep.txt", "Rect\n")
        // A model the text format cannot hold is refused before the file is touched.
        struct Custom: Layer {
            var header: String { "Custom" }
            func outputShape(for shape: [Int]) throws -> [Int] { shape }
            func forward(_ x: Tensor) throws -> Tensor { x }
            func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor { r }
            func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) { (dy, []) }
        }
        #expect(throws: LRPError.self) { try ModelFormats.write(Sequential(layers: [Custom()]), path: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "Rect\n")
        // A folder that does not exist: an I/O error, nothing created.
        #expect(throws: LRPError.self) {
            try ModelFormats.write(Sequential(layers: [Rect()]), path: folder.path("missing/model.txt"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["keep.txt"])
    }
}
