/// The LRP Toolbox's rendering of inputs and heatmaps as RGB images (values in [0, 1], H×W×3 row-major).
public enum Render {
    /// Each pixel of an h×w×d image repeated into a scaling×scaling block.
    public static func enlarge(_ values: [Double], height h: Int, width w: Int, depth d: Int = 1, scaling s: Int) throws -> [Double] {
        let n = try Shape.count([h, w, d])
        guard values.count == n else { throw LRPError.shape("\(h)×\(w)×\(d) needs \(n) values, got \(values.count)") }
        var out = [Double](repeating: 0, count: try outputCount(height: h, width: w, depth: d, scaling: s))
        for i in 0..<(h * s) {
            for j in 0..<(w * s) {
                for c in 0..<d { out[(i * w * s + j) * d + c] = values[((i / s) * w + j / s) * d + c] }
            }
        }
        return out
    }

    /// The largest `scaling`: enough for a 1×1 input to fill a 4096×4096 image.
    public static let maxScaling = 4096
    /// The largest Canny `sigma` (in enlarged pixels): its Gaussian kernel has 8·σ + 1 taps.
    public static let maxSigma = 1000.0

    /// The number of values of an h×w×d image enlarged by `scaling`; errors for a scaling outside
    /// 1…`maxScaling`, a size that overflows, or an image larger than the allocation limit — before any work.
    public static func outputCount(height h: Int, width w: Int, depth d: Int, scaling s: Int) throws -> Int {
        guard (1...maxScaling).contains(s) else { throw LRPError.argument("scaling must be an integer from 1 to \(maxScaling), got \(s)") }
        guard h >= 1, w >= 1 else { throw LRPError.argument("the image is \(h)×\(w); both sizes must be ≥ 1") }
        let count = try Shape.count([h, s, w, s, d])
        try Limits.checkAllocation(count, of: MemoryLayout<Double>.stride, "an enlarged \(h)×\(w) image at scaling \(s)")
        return count
    }

    /// The number of RGB values `digit` and `heatmap` return for an h×w input at `scaling`, checked as in
    /// `outputCount` (callers check their buffer against it before any work).
    public static func rgbCount(height h: Int, width w: Int, scaling s: Int) throws -> Int {
        let count = try outputCount(height: h, width: w, depth: 3, scaling: s)
        // The Canny outline holds a few h·s×w·s arrays more.
        try Limits.checkAllocation(count, of: 3 * MemoryLayout<Double>.stride, "rendering an \(h)×\(w) image at scaling \(s)")
        return count
    }

    /// `digit_to_rgb`: the h×w intensities enlarged and coloured with `map` (default binary).
    public static func digit(_ x: [Double], height h: Int, width w: Int, scaling: Int, map: String = "binary") throws -> [Double] {
        try ColorMap.apply(map, try enlarge(x, height: h, width: w, scaling: scaling))
    }

    /// `hm_to_rgb`: the h×w relevance map, for named maps normalized to [−1, 1] by its largest magnitude and
    /// shifted to [0, 1] (when `normalize`), enlarged and coloured; with an input `x` (h×w), its Canny edges
    /// (with `sigma`, on the enlarged x) are painted black on top.
    public static func heatmap(_ r: [Double], height h: Int, width w: Int, x: [Double]? = nil, scaling: Int,
                               sigma: Double, map: String = "jet", normalize: Bool = true) throws -> [Double] {
        guard sigma.isFinite, sigma >= 0, sigma <= maxSigma else {
            throw LRPError.argument("Canny sigma must be from 0 to \(maxSigma), got \(sigma)")
        }
        _ = try rgbCount(height: h, width: w, scaling: scaling)
        var values = r
        if normalize && !ColorMap.isCustom(map) {
            let largest = r.map(abs).max() ?? 0
            values = r.map { (($0 / largest) + 1) / 2 }
        }
        var rgb = try ColorMap.apply(map, try enlarge(values, height: h, width: w, scaling: scaling))
        if let x {
            let big = try enlarge(x, height: h, width: w, scaling: scaling)
            let edges = try Canny.edges(big, height: h * scaling, width: w * scaling, sigma: sigma)
            for (i, edge) in edges.enumerated() where edge { rgb[3 * i] = 0; rgb[3 * i + 1] = 0; rgb[3 * i + 2] = 0 }
        }
        return rgb
    }

    /// `save_image`'s conversion: values times 255, truncated to 8 bits (values outside [0, 1] clamp).
    public static func bytes(_ rgb: [Double]) -> [UInt8] {
        rgb.map { v in
            let scaled = v * 255
            guard scaled.isFinite, scaled > 0 else { return 0 }
            return scaled >= 255 ? 255 : UInt8(scaled)
        }
    }
}
