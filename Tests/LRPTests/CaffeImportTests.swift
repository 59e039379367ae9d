import Foundation
import LRP
import Testing

/// The Caffe files of ../shared/models/caffe: LeNets from .caffemodel, caffe-tensorflow .npy and our npz.
@Suite("Caffe models from ../shared", .enabled(if: Shared.enabled, Shared.skipMessage))
struct CaffeImportTests {
    static func caffe(_ name: String) -> String { Shared.path("models/caffe/" + name) }

    static func read(_ prototxt: String, _ weights: String) throws -> any Network {
        try ModelFormats.read(path: prototxt, format: nil, companion: weights, options: ImportOptions())
    }

    /// The output of the node called `name` in a pass.
    static func output(of name: String, in model: any Network, _ pass: ForwardPass) throws -> Tensor {
        let index = try #require((0..<model.layerCount).first { model.name(of: $0) == name })
        return try #require(pass.traces[index]).output
    }

    @Test("the BVLC LeNet classifies all ten samples correctly (inputs x/256, N×28×28×1)")
    func ahmdtahaSamples() throws {
        let model = try Self.read(Self.caffe("ahmdtaha_lenet_deploy.prototxt"), Self.caffe("ahmdtaha_lenet.caffemodel"))
        #expect(model.inputShape == [28, 28, 1])
        let samples = Self.caffe("ahmdtaha_lenet_samples.npz")
        let raw = try ArrayFormats.read(path: samples, key: "x")
        let labels = try ArrayFormats.read(path: samples, key: "labels").data.map { Int($0) }
        let x = try Tensor(shape: [raw.shape[0], 28, 28, 1], data: raw.data.map { $0 * 0.00390625 })
        let y = try #require(try model.forward(x).output)
        let predicted = (0..<y.shape[0]).map { n in (0..<10).max { y.data[n * 10 + $0] < y.data[n * 10 + $1] } ?? -1 }
        #expect(predicted == labels)
    }

    @Test("ethereon's LeNet from the .caffemodel reproduces the reference ip2 logits")
    func ethereonLogits() throws {
        let model = try Self.read(Self.caffe("ethereon_lenet_deploy.prototxt"), Self.caffe("ethereon_lenet.caffemodel"))
        let io = Self.caffe("ethereon_lenet.io.npz")
        let x = try ArrayFormats.read(path: io, key: "x")
        let logits = try ArrayFormats.read(path: io, key: "ip2_logits")
        let pass = try model.forward(x)
        expectClose(try Self.output(of: "ip2", in: model, pass), logits, tolerance: 1e-5, "ip2 logits")
        let labels = try ArrayFormats.read(path: io, key: "labels").data.map { Int($0) }
        let y = try #require(pass.output)
        let predicted = (0..<y.shape[0]).map { n in (0..<10).max { y.data[n * 10 + $0] < y.data[n * 10 + $1] } ?? -1 }
        #expect(predicted == labels)
    }

    @Test("the caffe-tensorflow .npy and the .caffemodel give the same network")
    func caffeTensorflowEqualsCaffemodel() throws {
        let prototxt = Self.caffe("ethereon_lenet_deploy.prototxt")
        let a = try Self.read(prototxt, Self.caffe("ethereon_lenet.caffemodel"))
        let b = try Self.read(prototxt, Self.caffe("ethereon_lenet.caffe-tensorflow.npy"))
        #expect(a.layerCount == b.layerCount)
        for i in 0..<min(a.layerCount, b.layerCount) {
            #expect(a.header(of: i) == b.header(of: i))
            #expect(a.parameters(of: i).map(\.data) == b.parameters(of: i).map(\.data), "layer \(i) (\(a.header(of: i)))")
        }
        let x = try ArrayFormats.read(path: Self.caffe("ethereon_lenet.io.npz"), key: "x")
        #expect(try a.forward(x).output == b.forward(x).output)
    }

    @Test("converting the .caffemodel to our npz layout and reading that gives the same network")
    func convertedWeights() throws {
        let prototxt = Self.caffe("ethereon_lenet_deploy.prototxt")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lrp-caffe-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let npz = folder.appendingPathComponent("lenet-weights.npz").path
        try CaffeModelFormat.convertWeights(caffemodel: Self.caffe("ethereon_lenet.caffemodel"), prototxt: prototxt, to: npz)
        #expect(try ArrayFormats.keys(path: npz) == ["conv1/0", "conv1/1", "conv2/0", "conv2/1", "ip1/0", "ip1/1", "ip2/0", "ip2/1"])
        #expect(try ArrayFormats.read(path: npz, key: "conv2/0").shape == [50, 20, 5, 5])
        let a = try Self.read(prototxt, Self.caffe("ethereon_lenet.caffemodel"))
        let b = try Self.read(prototxt, npz)
        for i in 0..<a.layerCount { #expect(a.parameters(of: i).map(\.data) == b.parameters(of: i).map(\.data)) }
        // The weights may also come first, the prototxt second.
        let c = try Self.read(npz, prototxt)
        #expect(c.layerCount == a.layerCount)
    }
}
