/// Pattern statistics in a file, so that fitting split over processes or machines can be merged: an `.npz`
/// NumPy reads, with float64 arrays per kernel layer i (counts are integers stored exactly as float64):
///
///     layers.npy              L×3: layer index, K, M per kernel layer
///     kernel{i}/samples.npy   1            kernel{i}/active.npy  M
///     kernel{i}/sum_x.npy     K            kernel{i}/sum_y.npy   M
///     kernel{i}/sum_active_x.npy, kernel{i}/sum_active_xy.npy, kernel{i}/sum_xy.npy   K×M
public enum PatternStatisticsFormat {
    /// The archive's bytes.
    public static func encode(_ s: PatternStatistics) throws -> [UInt8] {
        var members: [(name: String, data: [UInt8])] = []
        let table = s.layers.flatMap { [Double($0.layer), Double($0.inputs), Double($0.neurons)] }
        members.append(("layers.npy", NumpyFormat.encode(try Tensor(shape: [s.layers.count, 3], data: table))))
        for (i, l) in s.layers.enumerated() {
            let fields: [(String, [Int], [Double])] = [
                ("samples", [1], [Double(l.samples)]), ("active", [l.neurons], l.active.map(Double.init)),
                ("sum_x", [l.inputs], l.sumX), ("sum_y", [l.neurons], l.sumY),
                ("sum_active_x", [l.inputs, l.neurons], l.sumActiveX), ("sum_active_xy", [l.inputs, l.neurons], l.sumActiveXY),
                ("sum_xy", [l.inputs, l.neurons], l.sumXY),
            ]
            for (name, shape, values) in fields {
                members.append(("kernel\(i)/\(name).npy", NumpyFormat.encode(try Tensor(shape: shape, data: values))))
            }
        }
        return ZipArchive.build(members)
    }

    /// Writes `s` to `path` (atomically).
    public static func write(_ s: PatternStatistics, path: String) throws {
        try FileIO.writeAtomically(try encode(s), to: path)
    }

    /// Reads statistics written by `write`; every size and count is checked.
    public static func read(path: String) throws -> PatternStatistics {
        try withContext("'\(path)'") { try decode(try ZipArchive(file: try ReadableFile(path))) }
    }

    /// The statistics in an archive's bytes.
    public static func decode(_ bytes: [UInt8]) throws -> PatternStatistics {
        try decode(try ZipArchive(bytes))
    }

    private static func decode(_ archive: ZipArchive) throws -> PatternStatistics {
        let members = Dictionary(archive.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func array(_ name: String, _ shape: [Int]) throws -> [Double] {
            guard let entry = members[name] else { throw LRPError.format("no member '\(name)': not liblrp pattern statistics") }
            let t = try withContext("'\(name)'") { try archive.array(entry, as: .float64) }
            guard t.shape == shape else { throw LRPError.format("'\(name)' is \(Shape.describe(t.shape)), \(Shape.describe(shape)) expected") }
            let values = t.data
            guard values.allSatisfy(\.isFinite) else { throw LRPError.format("'\(name)' holds values that are not finite") }
            return values
        }
        func count(_ v: Double, _ what: String) throws -> Int {
            guard v >= 0, v <= 0x1p52, v == v.rounded() else { throw LRPError.format("\(what) is \(v), not a count") }
            return Int(v)
        }
        guard let table = members["layers.npy"] else { throw LRPError.format("no member 'layers.npy': not liblrp pattern statistics") }
        let t = try archive.array(table, as: .float64)
        guard t.rank == 2, t.shape[1] == 3, t.shape[0] >= 1, t.shape[0] <= 1 << 20 else {
            throw LRPError.format("'layers.npy' is \(Shape.describe(t.shape)); L×3 (L ≥ 1) expected")
        }
        let rows = t.data
        var layers: [KernelStatistics] = []
        for i in 0..<t.shape[0] {
            try withContext("kernel \(i)") {
                let (layer, k, m) = (try count(rows[3 * i], "its layer index"), try count(rows[3 * i + 1], "K"), try count(rows[3 * i + 2], "M"))
                try BLAS.checkDimension(k, "K")
                try BLAS.checkDimension(m, "M")
                var s = try KernelStatistics(layer: layer, inputs: k, neurons: m)
                s.samples = try count(try array("kernel\(i)/samples.npy", [1])[0], "samples")
                s.active = try array("kernel\(i)/active.npy", [m]).map { try count($0, "an active count") }
                guard s.active.allSatisfy({ $0 <= s.samples }) else { throw LRPError.format("an active count exceeds the samples") }
                s.sumX = try array("kernel\(i)/sum_x.npy", [k])
                s.sumY = try array("kernel\(i)/sum_y.npy", [m])
                s.sumActiveX = try array("kernel\(i)/sum_active_x.npy", [k, m])
                s.sumActiveXY = try array("kernel\(i)/sum_active_xy.npy", [k, m])
                s.sumXY = try array("kernel\(i)/sum_xy.npy", [k, m])
                layers.append(s)
            }
        }
        return PatternStatistics(layers: layers)
    }
}
