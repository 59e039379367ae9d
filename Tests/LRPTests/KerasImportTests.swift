import LRP
import Testing

/// The Keras files of ../shared/models/keras: each loads and reproduces the outputs Keras computed.
@Suite("Keras HDF5 models from ../shared", .enabled(if: Shared.enabled, Shared.skipMessage))
struct KerasImportTests {
    /// (model file, architecture JSON or nil, reference outputs).
    static let cases: [(String, String?)] = [
        ("ct213_lenet5_tanh_avgpool.weights.h5", "ct213_lenet5_tanh_avgpool.json"),
        ("yalcinakin_cifar10_dropout.h5", nil),
        ("dl4j_cnn_batch_norm.h5", nil),
        ("hls4ml_3layer_batch_norm.weights.h5", "hls4ml_3layer_batch_norm.json"),
        ("hls4ml_conv2d_listconfig.weights.h5", "hls4ml_conv2d_listconfig.json"),
        ("keras3_same_padding.h5", nil),
        ("tfkeras215_bn.h5", nil),
    ]

    static func load(_ file: String, _ architecture: String?, options: ImportOptions = ImportOptions()) throws -> any Network {
        try ModelFormats.read(path: Shared.path("models/keras/" + file), format: nil,
                              companion: architecture.map { Shared.path("models/keras/" + $0) }, options: options)
    }

    static func reference(_ file: String) throws -> (x: Tensor, y: Tensor) {
        let stem = file.replacingOccurrences(of: ".weights.h5", with: "").replacingOccurrences(of: ".h5", with: "")
        let io = Shared.path("models/keras/\(stem).io.npz")
        return (try ArrayFormats.read(path: io, key: "x"), try ArrayFormats.read(path: io, key: "y"))
    }

    @Test("every model loads and its outputs match Keras' within 1e-5", arguments: cases.indices)
    func outputs(_ index: Int) throws {
        let (file, architecture) = Self.cases[index]
        let model = try Self.load(file, architecture)
        let (x, y) = try Self.reference(file)
        let output = try #require(try model.forward(x).output)
        expectClose(output, y, tolerance: 1e-5, file)
        // Kept BatchNorm layers give the same outputs as merged ones.
        let kept = try Self.load(file, architecture, options: try ImportOptions(parsing: "batchnorm=keep"))
        let keptOutput = try #require(try kept.forward(x).output)
        expectClose(keptOutput, output, tolerance: 1e-12, "\(file) with BatchNorm kept")
    }

    @Test("relevance on each shared model equals the slow whole-model implementation", arguments: cases.indices)
    func slowRelevance(_ index: Int) throws {
        let (file, architecture) = Self.cases[index]
        let model = try Self.load(file, architecture)
        let x = try Self.reference(file).x
        let first = try Tensor(shape: [1] + Array(x.shape.dropFirst()), data: Array(x.data.prefix(x.count / x.shape[0])))
        let pass = try model.forward(first)
        let y = try #require(pass.output)
        var slow = SlowNetwork(model)
        #expect(relativeError(y.data, try slow.forward(first)) <= 1e-12)
        for rule in [Rule.epsilon(0.01), .alphabeta(alpha: 2), .flat] {
            let ours = try model.relevance(y, of: pass, rule: rule)
            let error = relativeError(ours.data, slow.relevance(y.data, rule: rule))
            #expect(error <= 1e-9, "\(file) \(rule): relative error \(error)")
        }
    }
}
