/// The LRP Toolbox's rendering of inputs and heatmaps as RGB images (values in [0, 1], H×W×3 row-major).
public enum Render {
    /// Each pixel of an h×w×d image repeated into a scaling×scaling block.
    public static func enlarge(_ values: [Double], height h: Int, width w: Int, depth d: Int = 1, scaling s: Int) throws -> [Double] {
        guard s >= 1 else { throw LRPError.argument("scaling must be an integer ≥ 1, got \(s)") }
        guard values.count == h * w * d else { throw LRPError.shape("\(h)×\(w)×\(d) needs \(h * w * d) values, got \(values.count)") }
        var out = [Double](repeating: 0, count: h * s * w * s * d)
        for i in 0..<(h * s) {
            for j in 0..<(w * s) {
                for c in 0..<d { out[(i * w * s + j) * d + c] = values[((i / s) * w + j / s) * d + c] }
            }
        }
        return out
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
