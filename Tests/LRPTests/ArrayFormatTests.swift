import Foundation
@testable import LRP
import Testing

/// Python availability for interop tests: skipped without numpy/scipy, except under CI (which installs them).
enum PythonTools {
    static let available: Bool = (try? runPython("import numpy, scipy.io")) != nil
    static let enabled = available || Shared.isCI
    static let skipMessage: Comment = "python3 with numpy and scipy is missing: interop tests are skipped (they fail under CI=true)"
}

@Suite("Array files: npy, npz, mat, txt")
struct ArrayFormatTests {
    static let shapes: [[Int]] = [[5], [3, 4], [2, 3, 4], [2, 1, 3, 2, 2]]

    @Test("write → read is exact in every format", arguments: ["npy", "npz", "mat", "txt"])
    func roundTrip(_ format: String) throws {
        let folder = try TemporaryFolder()
        var random = SeededRandom(seed: 8)
        for shape in Self.shapes where format != "txt" || shape.count <= 2 {
            var values = random.uniform(try Shape.count(shape), in: -1e3...1e3)
            values[0] = Double.leastNormalMagnitude / 2e7; values[values.count - 1] = -0.0
            let array = try Tensor(shape: shape, data: values)
            let path = folder.path("a.\(format)")
            try ArrayFormats.write(array, path: path)
            let back = try ArrayFormats.read(path: path)
            #expect(back.data == array.data, "\(format) \(shape)")
            let expectedShape = format == "mat" && shape.count == 1 ? [1, shape[0]] : shape
            #expect(back.shape == expectedShape, "\(format) \(shape) came back as \(back.shape)")
        }
    }

    @Test("files NumPy and SciPy wrote: every dtype, byte order, Fortran order, compression",
          .enabled(if: PythonTools.enabled, PythonTools.skipMessage))
    func readsPythonFiles() throws {
        let folder = try TemporaryFolder()
        // base = arange(24).reshape(2, 3, 4) - 7; every file holds base (or its transpose) cast to a dtype.
        let script = """
        import sys, numpy as np, scipy.io as sio
        d = sys.argv[1]
        base = np.arange(24).reshape(2, 3, 4) - 7
        for dt in ['<f8', '>f8', '<f4', '<f2', '|i1', '<i2', '>i4', '<i8', '|u1', '<u2', '<u4', '<u8', '|b1']:
            a = base.astype(dt) if dt[1] not in 'ub' else (base % 5).astype(dt)
            np.save(d + '/c_' + dt[1:] + ('_be' if dt[0] == '>' else '') + '.npy', a)
        np.save(d + '/fortran.npy', np.asfortranarray(base.astype('<f8')))
        np.save(d + '/scalar.npy', np.float64(2.5))
        np.savez(d + '/plain.npz', first=base.astype(float), second=np.eye(3))
        np.savez_compressed(d + '/packed.npz', only=base.astype(np.float32))
        m = (base.reshape(6, 4) * 1.5)
        sio.savemat(d + '/plain.mat', {'data': m, 'other': np.arange(3.0)})
        sio.savemat(d + '/packed.mat', {'data': m.astype(np.uint8 if False else np.int16)}, do_compression=True)
        sio.savemat(d + '/u8.mat', {'data': (base.reshape(6, 4) % 7).astype(np.uint8)}, do_compression=True)
        sio.savemat(d + '/cube.mat', {'data': base.astype(float)})
        np.savetxt(d + '/matrix.txt', base.reshape(6, 4) * 0.25)
        """
        guard try runPython(script, arguments: [folder.url.path]) != nil else {
            Issue.record("python3 with numpy/scipy is needed under CI")
            return
        }
        let base = (0..<24).map { Double($0 - 7) }
        for name in ["f8", "f8_be", "f4", "f2", "i1", "i2", "i4_be", "i8"] {
            let a = try ArrayFormats.read(path: folder.path("c_\(name).npy"))
            #expect(a.shape == [2, 3, 4] && a.data == base, "npy \(name)")
        }
        let modulo = (0..<24).map { Double((($0 - 7) % 5 + 5) % 5) }
        for name in ["u1", "u2", "u4", "u8"] {
            #expect(try ArrayFormats.read(path: folder.path("c_\(name).npy")).data == modulo, "npy \(name)")
        }
        #expect(try ArrayFormats.read(path: folder.path("c_b1.npy")).data == modulo.map { $0 == 0 ? 0 : 1 })
        #expect(try ArrayFormats.read(path: folder.path("fortran.npy")).data == base)
        let scalar = try ArrayFormats.read(path: folder.path("scalar.npy"))
        #expect(scalar.shape == [] && scalar.data == [2.5])

        let npz = NumpyArchiveFormat()
        #expect(try npz.keys(path: folder.path("plain.npz")) == ["first", "second"])
        #expect(try ArrayFormats.read(path: folder.path("plain.npz"), key: "first").data == base)
        #expect(try ArrayFormats.read(path: folder.path("plain.npz"), key: "second").data == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(try ArrayFormats.read(path: folder.path("packed.npz")).data == base)
        #expect(throws: LRPError.self) { try ArrayFormats.read(path: folder.path("plain.npz")) }

        let matrix = (0..<24).map { Double($0 - 7) * 1.5 }
        let plain = try ArrayFormats.read(path: folder.path("plain.mat"))
        #expect(plain.shape == [6, 4] && plain.data == matrix)
        #expect(try ArrayFormats.read(path: folder.path("plain.mat"), key: "other").data == [0, 1, 2])
        #expect(try ArrayFormats.read(path: folder.path("packed.mat")).data == matrix.map { Double(Int16($0)) })
        #expect(try ArrayFormats.read(path: folder.path("u8.mat")).data == base.map { Double(((Int($0) % 7) + 7) % 7) })
        let cube = try ArrayFormats.read(path: folder.path("cube.mat"))
        #expect(cube.shape == [2, 3, 4] && cube.data == base)
        #expect(try ArrayFormats.read(path: folder.path("matrix.txt")).data == base.map { $0 * 0.25 })
    }

    @Test("files liblrp wrote read back in NumPy and SciPy", .enabled(if: PythonTools.enabled, PythonTools.skipMessage))
    func pythonReadsOurFiles() throws {
        let folder = try TemporaryFolder()
        let array = try Tensor(shape: [2, 3, 4], data: (0..<24).map { Double($0) / 8 - 1 })
        try ArrayFormats.write(array, path: folder.path("a.npy"))
        try ArrayFormats.write(array, path: folder.path("a.npz"))
        try ArrayFormats.write(array, path: folder.path("a.mat"))
        try ArrayFormats.write(try array.reshaped([6, 4]), path: folder.path("a.txt"))
        let script = """
        import sys, numpy as np, scipy.io as sio
        d = sys.argv[1]
        want = np.arange(24).reshape(2, 3, 4) / 8 - 1
        assert np.array_equal(np.load(d + '/a.npy'), want)
        z = np.load(d + '/a.npz'); assert list(z.keys()) == ['arr_0'] and np.array_equal(z['arr_0'], want)
        m = sio.loadmat(d + '/a.mat')['data']; assert m.shape == (2, 3, 4) and np.array_equal(m, want), m.shape
        assert np.array_equal(np.loadtxt(d + '/a.txt'), want.reshape(6, 4))
        print('ok')
        """
        #expect(try runPython(script, arguments: [folder.url.path]) == "ok\n")
    }

    @Test("the MNIST .mat holds the pixels the goldens were made from", .enabled(if: Shared.enabled, Shared.skipMessage))
    func mnistMatchesGoldens() throws {
        let images = try ArrayFormats.read(path: Shared.path("data/mnist/test_images.mat"))
        let pixels = images.data
        #expect(images.shape == [10000, 784])
        #expect(pixels.allSatisfy { $0 >= 0 && $0 <= 255 && $0 == $0.rounded() })
        // lenet5: images 0–7 scaled by x/127.5 − 1 and padded to 32×32 with −1.
        let lenet = try NumpyArchiveFormat().read(path: Shared.path("golden/lenet5.npz"), key: "X").data
        for n in 0..<8 {
            for row in 0..<28 {
                for col in 0..<28 {
                    let pixel = pixels[n * 784 + row * 28 + col] / 127.5 - 1
                    let golden = lenet[n * 1024 + (row + 2) * 32 + col + 2]
                    if abs(pixel - golden) > 1e-12 { Issue.record("image \(n) pixel \(row),\(col): \(pixel) vs \(golden)"); return }
                }
            }
        }
        // mlp: images 8000–8007, N×784.
        let mlp = try NumpyArchiveFormat().read(path: Shared.path("golden/mlp.npz"), key: "X")
        let slice = Array(pixels[(8000 * 784)..<(8008 * 784)]).map { $0 / 127.5 - 1 }
        #expect(relativeError(slice, mlp.data) <= 1e-15)
        let labels = try ArrayFormats.read(path: Shared.path("data/mnist/test_labels.npy"))
        #expect(labels.shape == [10000, 1])
    }

    @Test("corrupt and truncated files give format errors, never a crash")
    func corruptFiles() throws {
        let folder = try TemporaryFolder()
        let array = try Tensor(shape: [3, 5], data: (0..<15).map(Double.init))
        for format in ["npy", "npz", "mat"] {
            let path = folder.path("good.\(format)")
            try ArrayFormats.write(array, path: path)
            let bytes = try FileIO.read(path)
            // Every truncation point and a flipped byte at many offsets.
            var cuts = Array(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)))
            cuts.append(bytes.count - 1)
            for cut in cuts {
                let bad = folder.path("cut.\(format)")
                try Data(bytes[0..<cut]).write(to: URL(fileURLWithPath: bad))
                #expect(throws: LRPError.self, "\(format) cut at \(cut)") { try ArrayFormats.read(path: bad) }
            }
            for offset in stride(from: 0, to: bytes.count, by: 3) {
                var flipped = bytes
                flipped[offset] ^= 0xA5
                let bad = folder.path("flip.\(format)")
                try Data(flipped).write(to: URL(fileURLWithPath: bad))
                // A flipped data byte may still be a valid file; only a crash would fail here.
                _ = try? ArrayFormats.read(path: bad)
            }
        }
        let npyHeader = folder.path("object.npy")
        var objectFile = NumpyFormat.magic + [1, 0]
        let header = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }".padding(toLength: 117, withPad: " ", startingAt: 0) + "\n"
        objectFile.append(contentsOf: [UInt8(header.utf8.count), 0])
        objectFile += Array(header.utf8) + [UInt8](repeating: 0, count: 16)
        try Data(objectFile).write(to: URL(fileURLWithPath: npyHeader))
        #expect(throws: LRPError.unsupported("'\(npyHeader)': npy object arrays (pickled Python objects) are not supported; only numeric arrays are")) {
            try ArrayFormats.read(path: npyHeader)
        }
    }
}
