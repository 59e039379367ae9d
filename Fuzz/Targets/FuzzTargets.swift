// libFuzzer targets for every reader and parser reachable from liblrp's C API.
//
//   LRP_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product lrp-fuzz --static-swift-stdlib \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   LRP_FUZZ_TARGET=npy .build-fuzz/release/lrp-fuzz corpus/npy      (make fuzz runs them all)
//
// One binary holds every target; LRP_FUZZ_TARGET names the one to run. Each input goes to the library as a
// caller would give it: files are written to a private temporary folder and read through the C functions,
// strings are passed as C strings. A target fails only when the process crashes, traps, leaks through ASan or
// exceeds libFuzzer's limits: every error status is an expected outcome. When an input yields a model, the
// model is exercised further (structure queries, and a forward and relevance pass where its input is small).
import CLRPHeader
import Glibc
import CFuzzDriver
import LRPExports

/// A fuzz target: what one input is, given as bytes.
struct FuzzTarget: Sendable {
    /// The name LRP_FUZZ_TARGET selects.
    let name: String
    /// Runs one input.
    let run: @Sendable ([UInt8]) -> Void
}

/// The folder inputs are written to, one per process.
let scratch: String = {
    var template = Array("/tmp/lrp-fuzz-XXXXXX".utf8CString)
    let folder = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        .map { String(cString: $0) }
    return folder ?? "/tmp"
}()

/// Writes `bytes` to a file named `name` in the scratch folder and returns its path.
func file(_ name: String, _ bytes: [UInt8]) -> String {
    let path = scratch + "/" + name
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if fd >= 0 {
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
    return path
}

/// A file of the repository's (a fixed companion of a fuzzed file), found from LRP_FUZZ_ROOT (default ".").
func repositoryFile(_ relative: String) -> String {
    let root = getenv("LRP_FUZZ_ROOT").map { String(cString: $0) } ?? "."
    return root + "/" + relative
}

/// Exercises a model that loaded: every structure query, and forward + relevance when the declared input
/// (or `input`) is small.
func exercise(_ model: OpaquePointer?, input: [Int64]? = nil) {
    guard let model else { return }
    let layers = lrp_model_layer_count(model)
    var buffer = [CChar](repeating: 0, count: 512)
    for layer in 0..<min(layers, 64) {
        _ = lrp_model_layer_describe(model, layer, &buffer, 512)
        _ = lrp_model_layer_name(model, layer, &buffer, 512)
        _ = lrp_get_rule_spec(model, layer, &buffer, 512)
    }
    var rank: Int32 = 0
    var shape = [Int64](repeating: 0, count: Int(LRP_MAX_RANK))
    var dims: [Int64]
    if let input {
        dims = input
    } else {
        guard lrp_model_input_shape(model, &rank, &shape) == LRP_OK, rank >= 1 else { return }
        dims = [1] + Array(shape[0..<Int(rank)])  // one sample
    }
    let count = dims.reduce(Int64(1)) { $0 > 0 && $1 > 0 && $1 < 1 << 16 ? $0.multipliedReportingOverflow(by: $1).partialValue : -1 }
    guard count > 0, count <= 4096 else { return }
    let x = (0..<Int(count)).map { Double($0 % 7) - 3 }
    var outShape = [Int64](repeating: 0, count: Int(LRP_MAX_RANK))
    guard lrp_model_output_shape(model, Int32(dims.count), dims, &rank, &outShape) == LRP_OK else { return }
    let outCount = outShape[0..<Int(rank)].reduce(Int64(1)) { $0.multipliedReportingOverflow(by: $1).partialValue }
    guard outCount > 0, outCount <= 1 << 16 else { return }
    var y = [Double](repeating: 0, count: Int(outCount))
    guard lrp_forward(model, x, Int32(dims.count), dims, &y, outCount, &rank, &outShape) == LRP_OK else { return }
    var rx = [Double](repeating: 0, count: Int(count))
    for rule in ["epsilon", "alphabeta", "zplus", "gradient_x_input"] {
        _ = lrp_relevance(model, y, outCount, rule, 1, &rx, count)
    }
}

/// Reads a model file through lrp_model_read and exercises it.
func readModel(_ name: String, format: String?, input: [Int64]? = nil) -> @Sendable ([UInt8]) -> Void {
    { bytes in
        var model: OpaquePointer?
        if lrp_model_read(file(name, bytes), format, &model) == LRP_OK {
            exercise(model, input: input)
            lrp_model_free(model)
        }
    }
}

/// Imports a model from a fuzzed file and a fixed companion (either may be the fuzzed one).
func importModel(_ name: String, companion: String?, format: String?, fuzzedIsCompanion: Bool = false) -> @Sendable ([UInt8]) -> Void {
    { bytes in
        let fuzzed = file(name, bytes)
        var model: OpaquePointer?
        let status = fuzzedIsCompanion
            ? lrp_model_import(companion.map(repositoryFile), fuzzed, format, nil, &model)
            : lrp_model_import(fuzzed, companion.map(repositoryFile), format, nil, &model)
        if status == LRP_OK {
            exercise(model)
            lrp_model_free(model)
        }
    }
}

/// Reads an array file through lrp_array_read (and its keys).
func readArray(_ name: String, format: String) -> @Sendable ([UInt8]) -> Void {
    { bytes in
        let path = file(name, bytes)
        var array: OpaquePointer?
        if lrp_array_read(path, format, nil, &array) == LRP_OK { lrp_array_free(array) }
        var needed: Int64 = 0
        _ = lrp_array_keys(path, format, nil, 0, &needed)
    }
}

/// A small model for the string targets (Convolution → Rect → SumPool → Flatten → Linear), read once; the
/// targets change only its presets.
struct SharedModel: @unchecked Sendable {
    let pointer: OpaquePointer?
}
let smallModel: SharedModel = {
    var model: OpaquePointer?
    guard lrp_model_read(repositoryFile("models/digits-cnn-sumpool.txt"), nil, &model) == LRP_OK else { return SharedModel(pointer: nil) }
    return SharedModel(pointer: model)
}()

/// The bytes as a C string (up to the first NUL).
func text(_ bytes: [UInt8]) -> [CChar] {
    bytes.prefix { $0 != 0 }.map { CChar(bitPattern: $0) } + [0]
}

let targets: [FuzzTarget] = [
    FuzzTarget(name: "txt-model", run: readModel("m.txt", format: "txt", input: [1, 8, 8, 1])),
    FuzzTarget(name: "archive", run: readModel("m.npz", format: "npz")),
    FuzzTarget(name: "pattern-statistics", run: { bytes in
        // Statistics read back from a file, then used: patterns set on the small model and its rules run.
        var statistics: OpaquePointer?
        guard lrp_pattern_statistics_read(file("s.npz", bytes), &statistics) == LRP_OK else { return }
        defer { lrp_pattern_statistics_free(statistics) }
        let model = smallModel.pointer
        if lrp_model_set_patterns(model, statistics, "relu") == LRP_OK {
            _ = lrp_set_rule_spec(model, -1, "pattern_attribution")
            exercise(model, input: [2, 8, 8, 1])
            _ = lrp_model_set_patterns(model, nil, nil)
            _ = lrp_set_rule_spec(model, -1, "simple")
        }
    }),
    FuzzTarget(name: "npy", run: readArray("a.npy", format: "npy")),
    FuzzTarget(name: "npz", run: readArray("a.npz", format: "npz")),
    FuzzTarget(name: "mat", run: readArray("a.mat", format: "mat")),
    FuzzTarget(name: "txt-array", run: readArray("a.txt", format: "txt")),
    FuzzTarget(name: "composite", run: { bytes in
        let model = smallModel.pointer
        _ = lrp_set_composite(model, file("c.json", bytes), nil)
    }),
    FuzzTarget(name: "rule-spec", run: { bytes in
        let model = smallModel.pointer
        if lrp_set_rule_spec(model, -1, text(bytes)) == LRP_OK { exercise(model, input: [2, 8, 8, 1]) }
        // And as a composite name with parameters.
        let parts = bytes.split(separator: UInt8(ascii: "|"), maxSplits: 1)
        if parts.count == 2 { _ = lrp_set_composite(model, text(Array(parts[0])), text(Array(parts[1]))) }
    }),
    FuzzTarget(name: "layer", run: { bytes in
        var model: OpaquePointer?
        guard lrp_model_new(&model) == LRP_OK else { return }
        defer { lrp_model_free(model) }
        let weights = [Double](repeating: 0.5, count: 64)
        for line in bytes.split(separator: 10).prefix(8) {
            _ = lrp_model_append(model, text(Array(line)), weights, 64, weights, 8)
            _ = lrp_model_append(model, text(Array(line)), nil, 0, nil, 0)
        }
        exercise(model, input: [1, 4, 4, 2])
    }),
    FuzzTarget(name: "keras-json", run: importModel("k.json", companion: "Tests/fixtures/keras/grouped_sequential.weights.h5", format: "keras")),
    FuzzTarget(name: "h5", run: importModel("k.h5", companion: nil, format: "keras")),
    FuzzTarget(name: "prototxt", run: importModel("deploy.prototxt", companion: "Tests/fixtures/caffe/branchy.caffemodel", format: "caffe")),
    FuzzTarget(name: "caffemodel", run: importModel("w.caffemodel", companion: "Tests/fixtures/caffe/branchy_deploy.prototxt",
                                                    format: "caffe", fuzzedIsCompanion: true)),
    FuzzTarget(name: "caffe-layers", run: { bytes in
        // Caffe's layer numbering of a fuzzed prototxt, mapped onto a model's layer names.
        let path = file("n.prototxt", bytes)
        var needed: Int64 = 0
        guard lrp_caffe_layers(path, smallModel.pointer, nil, 0, &needed) == LRP_OK, needed > 0, needed < 1 << 24 else { return }
        var buffer = [CChar](repeating: 0, count: Int(needed))
        _ = lrp_caffe_layers(path, smallModel.pointer, &buffer, needed, &needed)
    }),
    FuzzTarget(name: "binaryproto", run: readArray("m.binaryproto", format: "binaryproto")),
    FuzzTarget(name: "caffe-npy", run: importModel("w.npy", companion: "Tests/fixtures/caffe/v1net_deploy.prototxt",
                                                   format: "caffe", fuzzedIsCompanion: true)),
]

/// The target LRP_FUZZ_TARGET names, if any.
let selected: FuzzTarget? = {
    let name = getenv("LRP_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    return targets.first { $0.name == name }
}()

/// Called by the driver before fuzzing: 0 when LRP_FUZZ_TARGET names a target, else prints the names and 2.
@_cdecl("lrp_fuzz_select")
public func fuzzSelect() -> Int32 {
    guard selected == nil else { return 0 }
    let names = targets.map(\.name).joined(separator: " ")
    let message = Array("lrp-fuzz: set LRP_FUZZ_TARGET to one of: \(names)\n".utf8)
    _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    return 2
}

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected?.run(bytes)
    return 0
}
