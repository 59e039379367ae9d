import CLRPHeader
import Foundation
import LRP
import LRPExports
import Testing

/// One golden case of ../shared/golden: its model, arrays and the per-layer rules of every R_* key.
struct GoldenCase: CustomStringConvertible, Sendable {
    let name: String
    let modelPath: String

    var description: String { name }

    static let all = [
        GoldenCase(name: "xor", modelPath: "models/xor_net_small.txt"),
        GoldenCase(name: "lenet5", modelPath: "models/LeNet-5.txt"),
        GoldenCase(name: "mlp", modelPath: "models/mlp-rect.txt"),
        GoldenCase(name: "cnn", modelPath: "golden/cnn.txt"),
    ]

    /// The arrays of golden/<name>.npz by key.
    func arrays() throws -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: try NumpyArchiveFormat().readAll(path: Shared.path("golden/\(name).npz")).map { ($0.key, $0.array) })
    }

    /// For every R_* key: the rule of each layer, first layer first (from MANIFEST.json).
    func rules() throws -> [String: [Rule]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Shared.path("golden/MANIFEST.json")))
        let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let entry = manifest?[name] as? [String: Any]
        let perKey = entry?["rules_per_layer"] as? [String: [[Any]]] ?? [:]
        var result: [String: [Rule]] = [:]
        for (key, layers) in perKey {
            result[key] = try layers.map { pair in
                let name = pair.first as? String ?? "?"
                let parameter = pair.count > 1 ? (pair[1] as? Double ?? 0) : 0
                return try Rule(name: name, parameter: parameter)
            }
        }
        return result
    }
}

@Suite("Goldens of the reference toolbox", .enabled(if: Shared.enabled, Shared.skipMessage))
struct GoldenTests {
    @Test("forward output Y and every R_* key through the Swift API", arguments: GoldenCase.all)
    func swiftAPI(_ golden: GoldenCase) throws {
        let arrays = try golden.arrays()
        let rules = try golden.rules()
        var model = try readChain(Shared.path(golden.modelPath))
        let x = try #require(arrays["X"]), y = try #require(arrays["Y"]), rInit = try #require(arrays["R_init"])
        let pass = try model.forward(x)
        expectClose(try #require(pass.output), y, "\(golden) Y")
        #expect(rules.count >= 6, "MANIFEST lists \(rules.count) relevance keys for \(golden)")
        for (key, layerRules) in rules.sorted(by: { $0.key < $1.key }) {
            let expected = try #require(arrays[key], "\(key) missing from \(golden).npz")
            // Per-layer presets, as the toolbox's set_lrp_parameters per module.
            try model.setPresets(layerRules)
            expectClose(try model.relevance(rInit, of: pass), expected, "\(golden) \(key) (presets)")
            // A uniform rule also as the explicit rule argument, which overrides the presets.
            if let first = layerRules.first, layerRules.allSatisfy({ $0 == first }) {
                try model.setPreset(.flat)
                expectClose(try model.relevance(rInit, of: pass, rule: first), expected, "\(golden) \(key) (rule argument)")
            }
        }
    }

    @Test("forward output Y and every R_* key through the C functions", arguments: GoldenCase.all)
    func cAPI(_ golden: GoldenCase) throws {
        let arrays = try golden.arrays()
        let rules = try golden.rules()
        let x = try #require(arrays["X"]), y = try #require(arrays["Y"]), rInit = try #require(arrays["R_init"])

        var model: OpaquePointer?
        try #require(lrp_model_read(Shared.path(golden.modelPath), nil, &model) == LRP_OK, "\(String(cString: lrp_last_error()))")
        defer { lrp_model_free(model) }
        #expect(lrp_model_layer_count(model) == Int32(rules.values.first?.count ?? -1))

        var output = [Double](repeating: .nan, count: y.count)
        var outRank: Int32 = 0
        var outShape = [Int64](repeating: 0, count: Int(LRP_MAX_RANK))
        let dims = x.shape.map { Int64($0) }
        let status = lrp_forward(model, x.data, Int32(x.rank), dims, &output, Int64(output.count), &outRank, &outShape)
        try #require(status == LRP_OK, "\(String(cString: lrp_last_error()))")
        #expect(Array(outShape[0..<Int(outRank)]) == y.shape.map { Int64($0) })
        #expect(relativeError(output, y.data) <= 1e-9, "\(golden) Y through lrp_forward")

        for (key, layerRules) in rules.sorted(by: { $0.key < $1.key }) {
            let expected = try #require(arrays[key])
            for (layer, rule) in layerRules.enumerated() {
                #expect(lrp_set_rule(model, Int32(layer), rule.name, rule.parameter) == LRP_OK)
            }
            var rx = [Double](repeating: .nan, count: x.count)
            #expect(lrp_relevance(model, rInit.data, Int64(rInit.count), nil, 0, &rx, Int64(rx.count)) == LRP_OK,
                    "\(String(cString: lrp_last_error()))")
            #expect(relativeError(rx, expected.data) <= 1e-9, "\(golden) \(key) through lrp_relevance (presets): error \(relativeError(rx, expected.data))")
            if let first = layerRules.first, layerRules.allSatisfy({ $0 == first }) {
                #expect(lrp_set_rule(model, -1, "flat", 0) == LRP_OK)
                var explicit = [Double](repeating: .nan, count: x.count)
                #expect(lrp_relevance(model, rInit.data, Int64(rInit.count), first.name, first.parameter, &explicit,
                                      Int64(explicit.count)) == LRP_OK)
                #expect(relativeError(explicit, expected.data) <= 1e-9, "\(golden) \(key) through lrp_relevance (rule argument)")
            }
        }
    }
}
