import Foundation
import LRP
import Testing

/// Relevance equal to zennit's (PyTorch, float64) on the same weights: every rule zennit defines on a Linear, a
/// strided and padded Convolution, an AvgPool and a Rect; zennit's composites and gradient methods on a small CNN
/// (BatchNorm, AvgPool, MaxPool, Flatten) and its composites on the toolbox's LeNet-5.
///
/// The references, the models and the list of cases come from Tests/fixtures/zennit/generate.py (run once in a
/// separate environment with zennit; the arrays are committed, the environment is not).
@Suite("zennit references")
struct ZennitReferenceTests {
    /// One reference: a model, what liblrp is given (a rule spec, a composite with parameters or a gradient method)
    /// and the key of zennit's relevance.
    struct Case: CustomTestStringConvertible, Sendable {
        let model: String, name: String, reference: String
        let rule: String?, composite: String?, parameters: String?, method: String?
        var testDescription: String { "\(model): \(name)" }
    }

    static let folder = Shared.repository.appendingPathComponent("Tests/fixtures/zennit")

    static let cases: [Case] = {
        guard let bytes = try? FileIO.read(folder.appendingPathComponent("cases.json").path),
              let json = try? JSON(parsing: bytes), let list = json["cases"]?.array else { return [] }
        return list.compactMap { entry in
            guard let model = entry["model"]?.string, let reference = entry["reference"]?.string else { return nil }
            return Case(model: model, name: entry["name"]?.string ?? reference, reference: reference,
                        rule: entry["rule"]?.string, composite: entry["composite"]?.string,
                        parameters: entry["parameters"]?.string, method: entry["method"]?.string)
        }
    }()

    static func array(_ key: String) throws -> Tensor {
        try ArrayFormats.read(path: folder.appendingPathComponent("references.npz").path, key: key)
    }

    /// The relevance liblrp gives for `c`, from the model's input `x` and initial relevance `r`.
    static func relevance(_ c: Case, model: inout any Network, x: Tensor, r: Tensor) throws -> Tensor {
        let pass = try model.forward(x)
        var request = RelevanceRequest()
        if let spec = c.rule {
            request = RelevanceRequest(rule: try Rule(spec: spec))
        } else if let composite = c.composite {
            try model.applyComposite(composite, parameters: c.parameters)
        } else if let method = c.method {
            request = RelevanceRequest(rule: try Rule(spec: method))
        }
        return try model.explain(r, of: pass, request: request).input
    }

    @Test("the list of cases covers every rule and composite compared")
    func coverage() throws {
        let cases = Self.cases
        #expect(cases.count >= 41, "cases.json lists \(cases.count) cases")
        let rules = Set(cases.compactMap(\.rule).map { try? Rule(spec: $0).name })
        for name in ["epsilon", "zplus", "alphabeta", "gamma", "zb", "flat", "ww", "norm", "pass"] {
            #expect(rules.contains(name), "no zennit reference for \(name)")
        }
        let composites = Set(cases.compactMap(\.composite))
        for name in ["epsilon_plus", "epsilon_plus_flat", "epsilon_alpha2_beta1", "epsilon_alpha2_beta1_flat", "epsilon_gamma_box"] {
            #expect(composites.contains(name), "no zennit reference for composite \(name)")
        }
        #expect(Set(cases.compactMap(\.method)) == ["gradient", "gradient_x_input", "deconvnet", "guided_backprop"])
    }

    @Test("rules, composites and gradient methods on the fixtures' layers and CNN equal zennit's within 1e-10",
          arguments: cases.filter { $0.model != "lenet5" })
    func fixtures(_ c: Case) throws {
        var model = try ModelFormats.read(path: Self.folder.appendingPathComponent(c.model + ".npz").path, format: nil)
        let result = try Self.relevance(c, model: &model, x: try Self.array(c.model + ".x"), r: try Self.array(c.model + ".r"))
        expectClose(result, try Self.array(c.reference), tolerance: 1e-10, "\(c.model) \(c.name)")
        if c.model == "cnn" {
            let y = try #require(try model.forward(try Self.array("cnn.x")).output)
            expectClose(y, try Self.array("cnn.y"), tolerance: 1e-12, "the CNN's output")
        }
    }

    @Test("zennit's composites on the toolbox's LeNet-5 (SumPool mapped to zennit's Norm) within 1e-10",
          .enabled(if: Shared.enabled, Shared.skipMessage), arguments: cases.filter { $0.model == "lenet5" })
    func lenet5(_ c: Case) throws {
        var model: any Network = try readChain(Shared.path("models/LeNet-5.txt"))
        let x = try ArrayFormats.read(path: Shared.path("golden/lenet5.npz"), key: "X")
        let first = try Tensor(shape: [2] + Array(x.shape.dropFirst()), data: Array(x.data.prefix(2 * 32 * 32)))
        let result = try Self.relevance(c, model: &model, x: first, r: try Self.array("lenet5.r"))
        expectClose(result, try Self.array(c.reference), tolerance: 1e-10, "LeNet-5 \(c.name)")
    }
}
