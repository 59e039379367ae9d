/// Region perturbation (Samek et al. 2017, "Evaluating the visualization of what a deep neural network has
/// learned"; spec/evaluation.md): the image is cut into k×k regions, which are replaced — most relevant first
/// (MoRF), least relevant first (LeRF) or in a seeded random order — step by step, and the target class's score
/// is recorded after each step. AOPC, the area over the perturbation curve, is 1/(L+1)·Σ_k (s_0 − s_k).
///
/// All N·(L+1) perturbed inputs go through the model in batches of `batchSize`; nothing loops per sample
/// outside the library. Perturbations accumulate: step k replaces the regions of steps 1…k.
public struct RegionPerturbation: Sendable {
    /// The order in which regions are replaced.
    public enum Order: String, Sendable, CaseIterable {
        /// Most relevant first: descending region score, ties by region index (regions numbered row by row).
        case morf
        /// Least relevant first: ascending score, ties by region index.
        case lerf
        /// A seeded random permutation, the baseline every explanation must beat.
        case random
    }

    /// What replaces a region's pixels (in all channels).
    public enum Fill: Sendable, Equatable {
        /// I.i.d. uniform noise in [low, high], drawn once per value from `seed`; nil bounds: the batch's
        /// smallest and largest input value.
        case uniform(low: Double?, high: Double?)
        /// A constant (0, or the data mean).
        case constant(Double)
        /// The image's own mean, per channel.
        case mean
        /// The value times −1 (VisLRPDesigner's flip).
        case invert

        /// The fill named `name` ("uniform", "constant", "mean", "invert"), with `value` for constant and
        /// `low`/`high` for uniform.
        public init(name: String, value: Double? = nil, low: Double? = nil, high: Double? = nil) throws {
            switch name.lowercased() {
            case "uniform": self = .uniform(low: low, high: high)
            case "constant":
                guard let value, value.isFinite else { throw LRPError.argument("fill 'constant' needs a finite value") }
                self = .constant(value)
            case "mean": self = .mean
            case "invert": self = .invert
            default: throw LRPError.argument("unknown fill '\(name)' (uniform, constant, mean, invert)")
            }
        }
    }

    /// Region side k in pixels (1: pixel flipping). Default 9.
    public var region = 9
    /// Steps L. Default 100.
    public var steps = 100
    /// The order. Default MoRF.
    public var order = Order.morf
    /// The fill. Default uniform noise over the batch's input range.
    public var fill = Fill.uniform(low: nil, high: nil)
    /// Regions replaced per step. Default 1.
    public var regionsPerStep = 1
    /// The seed of the random order and of uniform noise.
    public var seed: UInt64 = 0
    /// Score the SoftMax output instead of the logits (the input of a final SoftMax layer).
    public var probabilities = false
    /// Perturbed inputs per forward pass; nil: 256, or fewer for large inputs (at most 2²⁴ values a batch).
    public var batchSize: Int?

    /// The defaults of spec/evaluation.md.
    public init() {}

    /// What a run measured.
    public struct Result: Sendable {
        /// N×(L+1) target scores, column 0 unperturbed.
        public let curves: Tensor
        /// Per sample, 1/(L+1)·Σ_k (s_0 − s_k).
        public let aopc: [Double]
        /// Per sample, the target class scored.
        public let targets: [Int]
        /// Per sample, the regions in the order replaced (L·regionsPerStep indices, row by row numbering).
        public let orders: [[Int]]
        /// The values that replace the input where a region is perturbed (N×H×W×C).
        public let replacement: Tensor

        /// The mean AOPC over samples.
        public var meanAOPC: Double { aopc.isEmpty ? 0 : aopc.reduce(0, +) / Double(aopc.count) }
    }

    /// The grid of k×k regions over an H×W image: region (i, j) covers rows i·k ..< min((i+1)·k, H), and
    /// columns likewise; regions are numbered row by row.
    struct Grid {
        let height: Int, width: Int, side: Int
        var rows: Int { (height + side - 1) / side }
        var columns: Int { (width + side - 1) / side }
        var count: Int { rows * columns }

        /// The pixel rows and columns of region `index`.
        func pixels(_ index: Int) -> (rows: Range<Int>, columns: Range<Int>) {
            let (i, j) = (index / columns, index % columns)
            return (i * side..<Swift.min((i + 1) * side, height), j * side..<Swift.min((j + 1) * side, width))
        }
    }

    /// Runs the perturbation of `x` (N×H×W×C) ordered by relevance `r` (N×H×W×C, or N×H×W pixel relevance) on
    /// `model`; `targets` nil scores each sample's top class of the unperturbed input.
    public func run(_ model: any Network, inputs x: Tensor, relevance r: Tensor, targets: [Int]? = nil) throws -> Result {
        guard x.rank == 4 else {
            throw LRPError.shape("region perturbation needs images N×H×W×C, got inputs of shape \(Shape.describe(x.shape))")
        }
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard r.shape == x.shape || r.shape == [n, h, w] else {
            throw LRPError.shape("relevance of shape \(Shape.describe(r.shape)) does not fit inputs \(Shape.describe(x.shape)) (give N×H×W×C or N×H×W)")
        }
        guard region >= 1, region <= h, region <= w else {
            throw LRPError.argument("region side \(region) must be between 1 and the image's \(h)×\(w)")
        }
        let grid = Grid(height: h, width: w, side: region)
        guard regionsPerStep >= 1 else { throw LRPError.argument("regions per step must be ≥ 1, got \(regionsPerStep)") }
        let (needed, overflow) = steps.multipliedReportingOverflow(by: regionsPerStep)
        guard steps >= 1, !overflow, needed <= grid.count else {
            throw LRPError.argument("\(steps) steps of \(regionsPerStep) region(s) need \(needed) regions; the \(h)×\(w) image has \(grid.count) of \(region)×\(region)")
        }
        if let targets, targets.count != n {
            throw LRPError.argument("\(targets.count) targets for \(n) samples")
        }
        let xd = x.data
        let rd = r.data
        // Region scores and the order of each sample.
        var random = SampleRandom(seed: seed)
        var orders: [[Int]] = []
        orders.reserveCapacity(n)
        let pixel = h * w * c
        for s in 0..<n {
            switch order {
            case .random:
                var permutation = Array(0..<grid.count)
                for i in stride(from: grid.count - 1, to: 0, by: -1) { permutation.swapAt(i, random.uniform(i)) }
                orders.append(Array(permutation.prefix(needed)))
            case .morf, .lerf:
                var scores = [Double](repeating: 0, count: grid.count)
                let perPixel = rd.count == n * h * w ? 1 : c
                let base = s * h * w * perPixel
                for index in 0..<grid.count {
                    let (rows, columns) = grid.pixels(index)
                    var total = 0.0
                    for i in rows { for j in columns { for k in 0..<perPixel { total += rd[base + (i * w + j) * perPixel + k] } } }
                    scores[index] = total
                }
                let descending = order == .morf
                let sorted = (0..<grid.count).sorted { a, b in
                    scores[a] != scores[b] ? (descending ? scores[a] > scores[b] : scores[a] < scores[b]) : a < b
                }
                orders.append(Array(sorted.prefix(needed)))
            }
        }
        let replacement = try fill.values(replacing: xd, shape: x.shape, seed: seed)
        // The unperturbed scores give the targets when none are given.
        let first = try Self.scores(model, x, probabilities: probabilities)
        let classes = first.count / Swift.max(1, n)
        let chosen: [Int] = try targets ?? (0..<n).map { s in
            let row = first[(s * classes)..<((s + 1) * classes)]
            guard let best = row.indices.max(by: { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }) else {
                throw LRPError.state("the model has no outputs")
            }
            return best - s * classes
        }
        for (s, t) in chosen.enumerated() where t < 0 || t >= classes {
            throw LRPError.argument("target \(t) of sample \(s) is not one of the model's \(classes) classes")
        }
        // Every (sample, step) image, in batches.
        let columns = steps + 1
        let total = n * columns
        let batch = Swift.max(1, batchSize ?? Swift.min(256, (1 << 24) / Swift.max(1, pixel)))
        var curves = [Double](repeating: 0, count: total)
        var working = [Double](repeating: 0, count: pixel)
        var currentSample = -1
        var start = 0
        while start < total {
            let count = Swift.min(batch, total - start)
            var images = [Double](repeating: 0, count: count * pixel)
            for slot in 0..<count {
                let g = start + slot, s = g / columns, k = g % columns
                if s != currentSample {
                    currentSample = s
                    working.replaceSubrange(0..<pixel, with: xd[(s * pixel)..<((s + 1) * pixel)])
                }
                if k > 0 {
                    // Step k replaces regions (k−1)·rps ..< k·rps of the order.
                    for index in orders[s][((k - 1) * regionsPerStep)..<(k * regionsPerStep)] {
                        let (rows, cols) = grid.pixels(index)
                        for i in rows {
                            for j in cols {
                                let offset = (i * w + j) * c
                                for ch in 0..<c { working[offset + ch] = replacement[s * pixel + offset + ch] }
                            }
                        }
                    }
                }
                images.replaceSubrange((slot * pixel)..<((slot + 1) * pixel), with: working)
            }
            let out = try Self.scores(model, try Tensor(shape: [count, h, w, c], data: images), probabilities: probabilities)
            for slot in 0..<count {
                let s = (start + slot) / columns
                curves[start + slot] = out[slot * classes + chosen[s]]
            }
            start += count
        }
        let aopc = (0..<n).map { s -> Double in
            let row = curves[(s * columns)..<((s + 1) * columns)]
            return row.reduce(0) { $0 + (curves[s * columns] - $1) } / Double(columns)
        }
        return Result(curves: try Tensor(shape: [n, columns], data: curves), aopc: aopc, targets: chosen, orders: orders,
                      replacement: try Tensor(shape: x.shape, data: replacement))
    }

    /// The model's scores for `x` (N×classes, row-major): the logits — the input of a final SoftMax layer — or,
    /// with `probabilities`, the model's output.
    static func scores(_ model: any Network, _ x: Tensor, probabilities: Bool) throws -> [Double] {
        let pass = try model.forward(x)
        let output = model.outputIndex
        var y = pass.output
        if !probabilities, model.header(of: output) == "SoftMax", let trace = pass.traces[output] {
            y = trace.input
        }
        guard let y else { throw LRPError.state("the forward pass gave no output") }
        return y.data
    }
}

extension RegionPerturbation.Fill {
    /// The values that replace each value of `x` (N×H×W×C) where it is perturbed.
    func values(replacing x: [Double], shape: [Int], seed: UInt64) throws -> [Double] {
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        switch self {
        case .constant(let v):
            return [Double](repeating: v, count: x.count)
        case .invert:
            return x.map { -$0 }
        case .mean:
            var out = [Double](repeating: 0, count: x.count)
            let pixels = h * w
            for s in 0..<n {
                var sums = [Double](repeating: 0, count: c)
                for p in 0..<pixels { for ch in 0..<c { sums[ch] += x[(s * pixels + p) * c + ch] } }
                for p in 0..<pixels { for ch in 0..<c { out[(s * pixels + p) * c + ch] = sums[ch] / Double(pixels) } }
            }
            return out
        case .uniform(let low, let high):
            let lo = low ?? x.min() ?? 0, hi = high ?? x.max() ?? 0
            guard lo.isFinite, hi.isFinite, lo <= hi else {
                throw LRPError.argument("uniform noise needs finite bounds low ≤ high, got \(lo) and \(hi)")
            }
            var random = SampleRandom(seed: seed ^ 0x5851_F42D_4C95_7F2D)
            return (0..<x.count).map { _ in lo + (hi - lo) * random.unit() }
        }
    }
}

extension SampleRandom {
    /// A uniform double in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
