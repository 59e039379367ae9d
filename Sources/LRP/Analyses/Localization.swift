/// Localization scores of Kohlbrenner et al. 2020 (section 3.2; spec/evaluation.md): how much of an
/// explanation's positive relevance falls inside the ground-truth boxes of the explained object.
///
/// With pixel relevance r (summed over channels), R⁺ = max(r, 0), μ = Σ_inside R⁺ / Σ_image R⁺ and
/// μ_w = μ · S_tot / S_in, where the inside is the union of a sample's boxes and S are areas in pixels. A sample
/// without positive relevance has μ = μ_w = NaN (the aggregates leave it out and count it).
public enum Localization {
    /// A box in pixels: rows top ..< bottom, columns left ..< right.
    public struct Box: Sendable, Equatable {
        public let top: Int, left: Int, bottom: Int, right: Int

        /// A box (checked against an image by `scores`).
        public init(top: Int, left: Int, bottom: Int, right: Int) {
            (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
        }
    }

    /// One sample's scores.
    public struct Score: Sendable, Equatable {
        /// Σ_inside R⁺ / Σ_image R⁺ (NaN without positive relevance).
        public let mu: Double
        /// μ · S_tot / S_in.
        public let weightedMu: Double
        /// S_in / S_tot: the uniform attribution's μ.
        public let insideFraction: Double
    }

    /// The scores of relevance of `shape` (N×H×W×C, or N×H×W pixel relevance) stored at `values` (row-major),
    /// with `boxes[n]` the boxes of sample n (one or more each). Samples run in parallel; the caller's buffer is
    /// read in place.
    public static func scores(_ values: UnsafeBufferPointer<Double>, shape: [Int], boxes: [[Box]]) throws -> [Score] {
        try compute(values, shape: shape, boxes: boxes)
    }

    /// `scores` for float relevance.
    public static func scores(_ values: UnsafeBufferPointer<Float>, shape: [Int], boxes: [[Box]]) throws -> [Score] {
        try compute(values, shape: shape, boxes: boxes)
    }

    /// The scores, for each element type (specialized by the two entry points above).
    private static func compute<T: Real>(_ values: UnsafeBufferPointer<T>, shape: [Int], boxes: [[Box]]) throws -> [Score] {
        guard shape.count == 3 || shape.count == 4 else {
            throw LRPError.shape("localization needs relevance N×H×W×C or N×H×W, got shape \(Shape.describe(shape))")
        }
        let (n, h, w) = (shape[0], shape[1], shape[2])
        let c = shape.count == 4 ? shape[3] : 1
        let count = try Shape.count(shape)
        guard values.count == count else { throw LRPError.shape("relevance has \(values.count) values, shape \(Shape.describe(shape)) needs \(count)") }
        guard boxes.count == n else { throw LRPError.argument("boxes for \(boxes.count) samples, the relevance has \(n)") }
        // Each sample's inside as bands of rows with the same sorted, disjoint column spans; boxes checked here.
        var bands: [[Band]] = []
        var insideAreas: [Int] = []
        bands.reserveCapacity(n)
        for (s, list) in boxes.enumerated() {
            guard !list.isEmpty else { throw LRPError.argument("sample \(s) has no box") }
            for (b, box) in list.enumerated() {
                guard box.top >= 0, box.left >= 0, box.bottom <= h, box.right <= w, box.top < box.bottom, box.left < box.right else {
                    throw LRPError.argument("box \(b) of sample \(s) (top \(box.top), left \(box.left), bottom \(box.bottom), right \(box.right)) is empty or outside the \(h)×\(w) image")
                }
            }
            let sampleBands = Band.union(list)
            bands.append(sampleBands)
            insideAreas.append(sampleBands.reduce(0) { $0 + $1.rows.count * $1.columns.reduce(0) { $0 + $1.count } })
        }
        var inside = [Double](repeating: 0, count: n), total = [Double](repeating: 0, count: n)
        guard let base = values.baseAddress else { return [] }
        inside.withUnsafeMutableBufferPointer { insideOut in
        total.withUnsafeMutableBufferPointer { totalOut in
            guard let ip = insideOut.baseAddress, let tp = totalOut.baseAddress else { return }
            Parallel.forEachPart(n, grain: Swift.max(1, Parallel.elementGrain / Swift.max(1, h * w * c))) { samples in
                let pixel = UnsafeMutablePointer<Double>.allocate(capacity: w)
                defer { pixel.deallocate() }
                for s in samples {
                    var sumIn = 0.0, sumAll = 0.0
                    var band = 0
                    let sampleBands = bands[s]
                    for row in 0..<h {
                        let line = base + (s &* h &+ row) &* w &* c
                        if c == 1 {
                            // Pixel relevance: sums straight from the row, the inside re-read from cache.
                            sumAll += positiveSum(line, 0..<w)
                            while band < sampleBands.count, sampleBands[band].rows.upperBound <= row { band += 1 }
                            if band < sampleBands.count, sampleBands[band].rows.contains(row) {
                                for span in sampleBands[band].columns { sumIn += positiveSum(line, span) }
                            }
                            continue
                        }
                        var rowSum = 0.0
                        for j in 0..<w {
                            var v = 0.0
                            for k in 0..<c { v += Double(line[j &* c &+ k]) }
                            v = Swift.max(v, 0)
                            pixel[j] = v
                            rowSum += v
                        }
                        sumAll += rowSum
                        while band < sampleBands.count, sampleBands[band].rows.upperBound <= row { band += 1 }
                        if band < sampleBands.count, sampleBands[band].rows.contains(row) {
                            for span in sampleBands[band].columns { for j in span { sumIn += pixel[j] } }
                        }
                    }
                    ip[s] = sumIn
                    tp[s] = sumAll
                }
            }
        }
        }
        let area = Double(h * w)
        return (0..<n).map { s in
            let fraction = Double(insideAreas[s]) / area
            let mu = total[s] > 0 ? inside[s] / total[s] : .nan
            return Score(mu: mu, weightedMu: mu / fraction, insideFraction: fraction)
        }
    }

    /// Σ max(v, 0) over `range` of `line`, in four running sums (so that the additions need not wait for each other).
    @inline(__always)
    private static func positiveSum<T: Real>(_ line: UnsafePointer<T>, _ range: Range<Int>) -> Double {
        var (a, b, c, d) = (0.0, 0.0, 0.0, 0.0)
        var j = range.lowerBound
        while j &+ 4 <= range.upperBound {
            a += Swift.max(Double(line[j]), 0)
            b += Swift.max(Double(line[j &+ 1]), 0)
            c += Swift.max(Double(line[j &+ 2]), 0)
            d += Swift.max(Double(line[j &+ 3]), 0)
            j &+= 4
        }
        while j < range.upperBound {
            a += Swift.max(Double(line[j]), 0)
            j &+= 1
        }
        return (a + b) + (c + d)
    }

    /// Rows `rows` of a union of boxes, all with the inside `columns` (sorted, disjoint).
    struct Band {
        let rows: Range<Int>
        let columns: [Range<Int>]

        /// The union of `boxes` as bands, top to bottom: between consecutive box edges the same boxes cover
        /// every row, so each band's spans are merged once.
        static func union(_ boxes: [Box]) -> [Band] {
            let edges = Set(boxes.flatMap { [$0.top, $0.bottom] }).sorted()
            var out: [Band] = []
            for (top, bottom) in zip(edges, edges.dropFirst()) {
                let covering = boxes.filter { $0.top <= top && $0.bottom >= bottom }.map { $0.left..<$0.right }
                    .sorted { $0.lowerBound < $1.lowerBound }
                var merged: [Range<Int>] = []
                for span in covering {
                    if let last = merged.last, span.lowerBound <= last.upperBound {
                        merged[merged.count - 1] = last.lowerBound..<Swift.max(last.upperBound, span.upperBound)
                    } else {
                        merged.append(span)
                    }
                }
                if !merged.isEmpty { out.append(Band(rows: top..<bottom, columns: merged)) }
            }
            return out
        }
    }
}
