import Foundation
import Glibc
import HDF5Snapshot
@testable import LRP
import Testing

/// The header's promise under hostile input: HDF5 files are parsed in the helper process, which refuses
/// anything that leads outside the file and whose crashes, hangs and garbage become errors; readers take
/// regular files only; sizes from files and arguments are checked before anything is allocated.
@Suite("Hostile input")
struct HostileInputTests {
    static func fixture(_ relative: String) -> String { FixtureImportTests.fixture(relative) }

    /// The error reading `path` as a model gives (an issue when it succeeds).
    static func failure(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> LRPError? {
        ImportErrorTests.failure(path, sourceLocation: sourceLocation)
    }

    // MARK: HDF5 through the helper

    @Test("the control file loads through the helper and computes")
    func plainFileLoads() throws {
        let model = try ModelFormats.read(path: Self.fixture("hdf5/plain.h5"), format: nil, companion: nil, options: ImportOptions())
        let y = try model.forward(try Tensor(shape: [1, 3], data: [1, 2, 3]))
        // kernel = [[0, 1], [2, 3], [4, 5]] (3×2), bias 0: y = [0+4+12, 1+6+15]
        #expect(y.output?.data == [16, 22])
    }

    @Test("links, shared objects, external storage and virtual datasets are refused, naming the object",
          arguments: [
              ("external_link.h5", "'/model_weights/dense/dense/kernel:0' is an external link"),
              ("soft_link_loop.h5", "'/model_weights/dense/loop' is a soft link"),
              ("hard_link_cycle.h5", "'/model_weights/dense/dense/up' is an object already reached"),
              ("external_storage.h5", "dataset '/model_weights/dense/dense/kernel:0' keeps its raw data in external files"),
              ("virtual_dataset.h5", "dataset '/model_weights/dense/dense/kernel:0' is a virtual dataset"),
          ])
    func refusedConstructs(file: String, message: String) throws {
        let path = Self.fixture("hdf5/" + file)
        guard let error = Self.failure(path) else { return }
        guard case .format = error else { Issue.record("not a format error: \(error)"); return }
        #expect(error.message.contains(file), "\(error.message)")
        #expect(error.message.contains(message), "\(error.message)")
        #expect(error.message.contains("refused"), "\(error.message)")
    }

    /// A shell script standing in for the helper.
    static func fakeHelper(_ folder: TemporaryFolder, _ body: String) throws -> String {
        let path = try folder.write("helper.sh", "#!/bin/sh\n" + body + "\n")
        chmod(path, 0o755)
        return path
    }

    @Test("a helper that hangs, crashes, exits with a message or writes garbage gives an error naming the file")
    func containment() throws {
        let folder = try TemporaryFolder()
        let file = Self.fixture("hdf5/plain.h5")
        func expectError(_ script: String, seconds: Int = 30, _ parts: [String], memory: Bool = false,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
            let helper = try Self.fakeHelper(folder, script)
            do {
                let bytes = try HDF5Process.snapshot(of: file, helper: helper, seconds: seconds)
                _ = HDF5File(path: file, snapshot: try HDF5Snapshot(decoding: bytes))
                Issue.record("no error for \(script)", sourceLocation: sourceLocation)
            } catch let error as LRPError {
                if memory {
                    guard case .memory = error else { Issue.record("not a memory error: \(error)", sourceLocation: sourceLocation); return }
                }
                for part in parts {
                    #expect(error.message.contains(part), "'\(error.message)' lacks '\(part)'", sourceLocation: sourceLocation)
                }
            } catch {
                // HDF5Snapshot's own decoding error: garbage is caught by the decoder.
                for part in parts {
                    #expect("\(error)".contains(part), "'\(error)' lacks '\(part)'", sourceLocation: sourceLocation)
                }
            }
        }
        let start = Date()
        try expectError("sleep 30", seconds: 1, ["plain.h5", "took longer than 1 s"])
        #expect(Date().timeIntervalSince(start) < 10, "the hanging helper was not stopped in time")
        try expectError("kill -SEGV $$", ["plain.h5", "crashed (signal 11)"])
        try expectError("echo \"dataset '/x' is broken\" >&2; exit 1", ["plain.h5", "dataset '/x' is broken"])
        try expectError("exit 4", ["plain.h5", "exit status 4"])
        try expectError("echo \"dataset '/x' holds 9 values, more than the memory limit\" >&2; exit 3", ["plain.h5", "memory limit"],
                        memory: true)
        try expectError("echo garbage", ["magic"])
        try expectError("printf 'LRPH5S1\\n\\001\\377\\377\\377\\377'", ["cut off"])
        try expectError("printf 'LRPH5S1\\n\\002\\001\\000\\000\\000x\\001\\000\\000\\000\\377\\377\\377\\377\\377\\377\\377\\177\\001'", ["x"])
        let missing = folder.path("no-such-helper")
        #expect(throws: LRPError.self) { try HDF5Process.snapshot(of: file, helper: missing) }
    }

    @Test("an HDF5 file with random bytes changed gives an error or a model, never a crash or a hang")
    func mutatedHDF5() throws {
        let folder = try TemporaryFolder()
        let original = try ImportErrorTests.bytes(Self.fixture("keras/residual_graph.h5"))
        var generator = SeededRandom(seed: 0x5eed_4df5)
        var (errors, models) = (0, 0)
        for trial in 0..<120 {
            var bytes = original
            for _ in 0..<(1 + trial % 4) {
                let i = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[i] = UInt8.random(in: 0...255, using: &generator)
            }
            let path = try folder.writeBytes("mutant\(trial % 4).h5", bytes)
            do {
                _ = try ModelFormats.read(path: path, format: nil, companion: nil, options: ImportOptions())
                models += 1
            } catch let error as LRPError {
                #expect(error.message.contains("mutant"), "\(error.message)")
                errors += 1
            }
        }
        #expect(errors + models == 120)
    }

    @Test("inputs the fuzzers found: a Caffe pooling with stride 0")
    func fuzzFindings() throws {
        // Once a division by zero (trap) in the pooling import; now a format error naming the layer.
        let path = Self.fixture("caffe/fuzz-stride0_deploy.prototxt")
        do {
            _ = try ModelFormats.read(path: path, format: "caffe", companion: Self.fixture("caffe/branchy.caffemodel"),
                                      options: ImportOptions())
            Issue.record("the stride-0 pooling loaded")
        } catch let error as LRPError {
            guard case .format = error else { Issue.record("not a format error: \(error)"); return }
            #expect(error.message.contains("stride"), "\(error.message)")
            #expect(error.message.contains("pool_exact"), "\(error.message)")
        }
    }

    // MARK: Files that are not regular files

    @Test("FIFOs, devices and folders are refused at once, as models and as arrays")
    func notRegularFiles() throws {
        let folder = try TemporaryFolder()
        let fifo = folder.path("pipe.txt")
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, reason) in [(fifo, "FIFO"), ("/dev/zero", "device"), (folder.path(""), "directory")] {
            for read in [{ _ = try ModelFormats.read(path: path, format: "txt", companion: nil, options: ImportOptions()) },
                         { _ = try ArrayFormats.read(path: path, format: "npy") }] as [() throws -> Void] {
                do {
                    try read()
                    Issue.record("reading \(path) succeeded")
                } catch let error as LRPError {
                    guard case .io = error else { Issue.record("not an I/O error: \(error)"); continue }
                    #expect(error.message.contains(reason), "\(error.message)")
                }
            }
        }
        let h5fifo = folder.path("pipe.h5")
        #expect(mkfifo(h5fifo, 0o600) == 0)
        #expect(Self.failure(h5fifo)?.message.contains("FIFO") == true)
    }

    // MARK: Sizes

    @Test("allocations beyond LRP_MAX_ALLOC_MB fail with a memory error before anything is allocated")
    func allocationLimit() throws {
        #expect(Limits.maxAllocationBytes >= 1 << 20)
        #expect { try Tensor.zeros([1 << 20, 1 << 20, 1 << 10]) } throws: { error in
            guard case LRPError.memory(let message)? = error as? LRPError else { return false }
            return message.contains("LRP_MAX_ALLOC_MB")
        }
        #expect(throws: LRPError.self) { try Limits.checkAllocation(Int.max / 2, of: 8, "a test") }
    }

    @Test("sizes near 2⁶³ are shape errors, not overflows")
    func overflowingShapes() throws {
        let padding = try ZeroPadding(top: 1, bottom: 1, left: 1, right: 1)
        #expect(throws: LRPError.self) { try padding.outputShape(for: [1, Int.max, 2, 1]) }
        #expect(throws: LRPError.self) { try padding.outputShape(for: [1, 2, Int.max - 1, 1]) }
        #expect(throws: LRPError.self) { try Concatenate().outputShape(for: [[1, Int.max], [1, 1]]) }
        #expect(try Shape.sum(1, 2, 3) == 6)
    }

    @Test("inflating stops at the declared size and at what deflate can produce")
    func inflateBounds() throws {
        let zeros = [UInt8](repeating: 0, count: 1 << 22)
        let stream = try Self.zlib(zeros)
        // The stream holds 4 MiB; declared as 1 MiB it must fail without inflating it all.
        #expect(throws: LRPError.self) { try Deflate.inflate(stream[...], raw: false, expectedSize: 1 << 20) }
        #expect(throws: LRPError.self) { try Deflate.inflate(stream[...], raw: false, atMost: 1 << 20) }
        #expect(try Deflate.inflate(stream[...], raw: false, expectedSize: 1 << 22).count == 1 << 22)
        #expect(try Deflate.inflate(stream[...], raw: false, expectedSize: 8, prefixOnly: true).prefix(8) == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(Deflate.plausibleSize(fromCompressed: stream.count) < 1 << 24)
    }

    /// `bytes` as a zlib stream (zlib's compress2, as MAT writers use).
    static func zlib(_ bytes: [UInt8]) throws -> [UInt8] { try Deflate.compress(bytes) }

    @Test("render parameters are bounded and checked before any work")
    func renderBounds() throws {
        let r = [Double](repeating: 0.5, count: 4), x = [Double](repeating: 1, count: 4)
        for sigma in [1e300, 1e12, Double.nan, -1] {
            #expect(throws: LRPError.self) { try Render.heatmap(r, height: 2, width: 2, x: x, scaling: 2, sigma: sigma) }
        }
        for scaling in [Int(Int32.max), 1 << 20, 0, -3] {
            #expect(throws: LRPError.self) { try Render.heatmap(r, height: 2, width: 2, scaling: scaling, sigma: 1) }
            #expect(throws: LRPError.self) { try Render.digit(x, height: 2, width: 2, scaling: scaling) }
        }
        #expect(throws: LRPError.self) { try Render.rgbCount(height: 1 << 40, width: 1 << 40, scaling: 4096) }
        #expect(try Render.heatmap(r, height: 2, width: 2, x: x, scaling: 3, sigma: 1000).count == 6 * 6 * 3)
    }
}
