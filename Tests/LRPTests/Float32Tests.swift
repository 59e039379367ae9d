import Foundation
import LRP
import Testing

/// The float32 engine: a model converted with `copy(in: .float32)` computes every layer, rule and composite in
/// float32 (its outputs and relevance are float32 tensors) and agrees with the reference toolbox's goldens and
/// zennit's references within 1e-4 relative (max |Δ| / max |R|), the issue's bound for float32.
@Suite("float32 models")
struct Float32Tests {
    /// The bound for float32 results against float64 references.
    static let tolerance = 1e-4

    @Test("forward output Y and every R_* key of the goldens in float32", .enabled(if: Shared.enabled, Shared.skipMessage),
          arguments: GoldenCase.all)
    func goldens(_ golden: GoldenCase) throws {
        let arrays = try golden.arrays()
        let rules = try golden.rules()
        var model = try readChain(Shared.path(golden.modelPath)).copy(in: .float32)
        #expect(model.precision == .float32)
        #expect((0..<model.layerCount).allSatisfy { model.parameters(of: $0).allSatisfy { $0.precision == .float32 } })
        let x = try #require(arrays["X"]), y = try #require(arrays["Y"]), rInit = try #require(arrays["R_init"])
        let pass = try model.forward(x)
        let output = try #require(pass.output)
        #expect(output.precision == .float32)
        expectClose(output, y, tolerance: Self.tolerance, "\(golden) Y in float32")
        for (key, layerRules) in rules.sorted(by: { $0.key < $1.key }) {
            let expected = try #require(arrays[key])
            try model.setPresets(layerRules)
            let r = try model.relevance(rInit, of: pass)
            #expect(r.precision == .float32, "\(golden) \(key) is \(r.precision)")
            expectClose(r, expected, tolerance: Self.tolerance, "\(golden) \(key) in float32")
        }
    }

    @Test("zennit's rules, composites and gradient methods in float32", arguments: ZennitReferenceTests.cases.filter { $0.model != "lenet5" })
    func zennitFixtures(_ c: ZennitReferenceTests.Case) throws {
        var model = try ModelFormats.read(path: ZennitReferenceTests.folder.appendingPathComponent(c.model + ".npz").path, format: nil)
            .copy(in: .float32)
        let result = try ZennitReferenceTests.relevance(c, model: &model, x: try ZennitReferenceTests.array(c.model + ".x"),
                                                        r: try ZennitReferenceTests.array(c.model + ".r"))
        #expect(result.precision == .float32)
        expectClose(result, try ZennitReferenceTests.array(c.reference), tolerance: Self.tolerance, "\(c.model) \(c.name) in float32")
    }

    @Test("zennit's composites on LeNet-5 in float32", .enabled(if: Shared.enabled, Shared.skipMessage),
          arguments: ZennitReferenceTests.cases.filter { $0.model == "lenet5" })
    func zennitLeNet5(_ c: ZennitReferenceTests.Case) throws {
        var model: any Network = try readChain(Shared.path("models/LeNet-5.txt")).copy(in: .float32)
        let x = try ArrayFormats.read(path: Shared.path("golden/lenet5.npz"), key: "X")
        let first = try Tensor(shape: [2] + Array(x.shape.dropFirst()), data: Array(x.data.prefix(2 * 32 * 32)))
        let result = try ZennitReferenceTests.relevance(c, model: &model, x: first, r: try ZennitReferenceTests.array("lenet5.r"))
        #expect(result.precision == .float32)
        expectClose(result, try ZennitReferenceTests.array(c.reference), tolerance: Self.tolerance, "LeNet-5 \(c.name) in float32")
    }

    @Test("converting keeps the model: float32 → float64 → float32 gives the same parameters; float64 is untouched")
    func roundTrip() throws {
        let model = try ModelFormats.read(path: ZennitReferenceTests.folder.appendingPathComponent("cnn.npz").path, format: nil)
        let single = try model.copy(in: .float32)
        let back = try single.copy(in: .float64).copy(in: .float32)
        for i in 0..<model.layerCount {
            for (a, b) in zip(single.parameters(of: i), back.parameters(of: i)) { #expect(a == b) }
            for (a, b) in zip(model.parameters(of: i), single.parameters(of: i)) {
                #expect(a.precision == .float64 && b.precision == .float32)
                #expect(a.data.map { Double(Float($0)) } == b.data)
            }
        }
        // A float64 copy is its own storage: writing it leaves the original alone.
        let copy = try model.copy(in: .float64)
        let w = try #require(copy.parameters(of: 0).first)
        try w.withUnsafeMutableStorage(as: Double.self) { $0[0] += 1 }
        #expect(try #require(model.parameters(of: 0).first).data[0] + 1 == w.data[0])
    }

    @Test("an archive read in either precision equals reading it in float64 and converting, whatever the arrays' dtype, byte order, order or compression; a changed byte is a CRC error",
          .enabled(if: PythonTools.enabled, PythonTools.skipMessage))
    func archiveInEitherPrecision() throws {
        let folder = try TemporaryFolder()
        let source = ZennitReferenceTests.folder.appendingPathComponent("cnn.npz").path
        // Each layer's first parameter (W, or BatchNorm's scale) as '<f4', the first of them also in Fortran
        // order; the others as '>f8'; once stored, once deflated.
        let script = """
        import io, json, sys, zipfile, numpy as np
        src, d = sys.argv[1], sys.argv[2]
        z = zipfile.ZipFile(src)
        nodes = json.loads(z.read('architecture.json'))['nodes']
        narrow = [n['parameters'][0] + '.npy' for n in nodes if n.get('parameters')]
        for name, method in [('mixed.npz', zipfile.ZIP_STORED), ('packed.npz', zipfile.ZIP_DEFLATED)]:
            first = True
            with zipfile.ZipFile(d + '/' + name, 'w', method) as out:
                for member in z.namelist():
                    data = z.read(member)
                    if member.endswith('.npy'):
                        a = np.load(io.BytesIO(data))
                        if member in narrow:
                            a = a.astype('<f4')
                            if first and a.ndim > 1:
                                a, first = np.asfortranarray(a), False
                        else:
                            a = a.astype('>f8')
                        buffer = io.BytesIO()
                        np.lib.format.write_array(buffer, a)
                        data = buffer.getvalue()
                    out.writestr(member, data)
        """
        guard try runPython(script, arguments: [source, folder.url.path]) != nil else {
            Issue.record("python3 with numpy is needed under CI")
            return
        }
        let original = try ModelFormats.read(path: source)
        for path in [source, folder.path("mixed.npz"), folder.path("packed.npz")] {
            let wide = try ModelFormats.read(path: path, format: nil, precision: .float64)
            let narrow = try ModelFormats.read(path: path, format: nil, precision: .float32)
            let converted = try wide.copy(in: .float32)
            for i in 0..<original.layerCount {
                for (k, (a, (b, c))) in zip(original.parameters(of: i), zip(wide.parameters(of: i), narrow.parameters(of: i))).enumerated() {
                    // The file's values: the first parameter rounded to float32 in the rewritten archives.
                    let file = path == source || k > 0 ? a.data : a.data.map { Double(Float($0)) }
                    #expect(b.precision == .float64 && b.data == file, "\(path) layer \(i) parameter \(k)")
                    #expect(c.precision == .float32 && c.data == file.map { Double(Float($0)) }, "\(path) layer \(i) parameter \(k)")
                }
                for (b, c) in zip(converted.parameters(of: i), narrow.parameters(of: i)) { #expect(b == c) }
            }
        }
        // One byte of the largest stored array changed: the CRC catches it in both precisions.
        var bytes = try FileIO.read(source)
        bytes[bytes.count / 2] ^= 0x40
        let corrupt = folder.path("corrupt.npz")
        try FileIO.writeAtomically(bytes, to: corrupt)
        for precision in [Precision.float64, .float32] {
            #expect { try ModelFormats.read(path: corrupt, format: nil, precision: precision) } throws: { error in
                "\(error)".contains("CRC-32 mismatch") || "\(error)".contains("corrupt")
            }
        }
    }
}

