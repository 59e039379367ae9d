import Glibc

/// Rendering for a person to read (beside the toolbox's exact `digit` and `heatmap`): relevance centred on zero
/// in a diverging colour map with an all-zero map labelled as such, inputs in their own colours, overlays of a
/// heatmap on its image, and a colour bar with the value range.
extension Render {
    /// The colour maps `relevance` and `colorbar` take: matplotlib's diverging ones, zennit's coldnhot and the
    /// toolbox's jet (for compatibility); all map 0.5 to zero relevance.
    public static let relevanceMaps = ["bwr", "seismic", "coldnhot", "coolwarm", "jet"]

    private static func checkRelevanceMap(_ map: String) throws {
        guard relevanceMaps.contains(map) else {
            throw LRPError.argument("colour map '\(map)' is not one for relevance (known: \(relevanceMaps.joined(separator: ", ")))")
        }
    }

    /// The h×w relevance map centred on zero: r / max|r| shifted to [0, 1] (0 at the map's centre colour),
    /// enlarged and coloured with `map`; the scale max|r| over the finite values is returned beside the image.
    /// A map without any non-zero finite value is drawn in the centre colour with "ALL ZERO" (or "0" where
    /// that does not fit) written across it. Non-finite values are black.
    public static func relevance(_ r: [Double], height h: Int, width w: Int, scaling: Int,
                                 map: String = "bwr") throws -> (rgb: [Double], scale: Double) {
        try checkRelevanceMap(map)
        _ = try rgbCount(height: h, width: w, scaling: scaling)
        let largest = r.lazy.filter(\.isFinite).map(abs).max() ?? 0
        let positions = r.map { v in v.isFinite ? (largest > 0 ? (v / largest + 1) / 2 : 0.5) : Double.nan }
        var rgb = try ColorMap.apply(map, try enlarge(positions, height: h, width: w, scaling: scaling))
        if largest == 0 { try label(&rgb, height: h * scaling, width: w * scaling, map: map) }
        return (rgb, largest)
    }

    /// Writes "ALL ZERO" (or "0") centred on an all-zero map, in black or white, whichever shows on its centre colour.
    private static func label(_ rgb: inout [Double], height: Int, width: Int, map: String) throws {
        let centre = try ColorMap.apply(map, [0.5])
        let ink = 0.299 * centre[0] + 0.587 * centre[1] + 0.114 * centre[2] > 0.5 ? 0.0 : 1.0
        guard let text = ["ALL ZERO", "0"].first(where: { Text.size($0, scale: 1).width <= width && Text.size($0, scale: 1).height <= height })
        else { return }
        let fit = Text.size(text, scale: 1)
        let scale = Swift.max(1, Swift.min(4, width / fit.width, height / fit.height))
        let glyphs = try Text.render(text, scale: scale)
        let top = (height - glyphs.height) / 2, left = (width - glyphs.width) / 2
        for y in 0..<glyphs.height {
            for x in 0..<glyphs.width where glyphs.rgb[(y * glyphs.width + x) * 3] < 0.5 {
                let index = ((top + y) * width + left + x) * 3
                rgb[index] = ink; rgb[index + 1] = ink; rgb[index + 2] = ink
            }
        }
    }

    /// An input image as RGB: h×w×`channels` values (1: grey, 3: RGB) mapped linearly from [low, high] to
    /// [0, 1] (clamped; NaN black) and enlarged by `scaling`.
    public static func image(_ x: [Double], height h: Int, width w: Int, channels: Int, low: Double, high: Double,
                             scaling: Int) throws -> [Double] {
        guard channels == 1 || channels == 3 else { throw LRPError.argument("an image has 1 or 3 channels, got \(channels)") }
        guard low.isFinite, high.isFinite, low < high else {
            throw LRPError.argument("the value range needs finite low < high, got [\(low), \(high)]")
        }
        _ = try rgbCount(height: h, width: w, scaling: scaling)
        let big = try enlarge(x, height: h, width: w, depth: channels, scaling: scaling)
        let unit = big.map { v -> Double in v.isNaN ? 0 : Swift.min(1, Swift.max(0, (v - low) / (high - low))) }
        if channels == 3 { return unit }
        var rgb = [Double](repeating: 0, count: unit.count * 3)
        for (i, v) in unit.enumerated() { rgb[3 * i] = v; rgb[3 * i + 1] = v; rgb[3 * i + 2] = v }
        return rgb
    }

    /// A heatmap laid over its image: (1 − opacity)·image + opacity·heatmap, value by value (same sizes).
    public static func overlay(_ heatmap: [Double], on image: [Double], opacity: Double) throws -> [Double] {
        guard opacity.isFinite, (0...1).contains(opacity) else { throw LRPError.argument("opacity must be from 0 to 1, got \(opacity)") }
        guard heatmap.count == image.count else {
            throw LRPError.shape("the heatmap has \(heatmap.count) values, the image \(image.count); they must be the same size")
        }
        return zip(heatmap, image).map { (1 - opacity) * $1 + opacity * $0 }
    }

    /// A horizontal colour bar `width` pixels long for relevance from `low` to `high` coloured as `relevance`
    /// colours it (v / max(|low|, |high|) shifted to [0, 1]), with the values low, 0 (where inside) and high
    /// written below in the 5×7 font at `scale`. Returns the image and its size.
    public static func colorbar(map: String = "bwr", low: Double, high: Double, width: Int,
                                scale: Int) throws -> (rgb: [Double], height: Int, width: Int) {
        try checkRelevanceMap(map)
        guard low.isFinite, high.isFinite, low <= high else {
            throw LRPError.argument("the colour bar's range needs finite low ≤ high, got [\(low), \(high)]")
        }
        guard (1...64).contains(scale) else { throw LRPError.argument("text scale must be between 1 and 64, got \(scale)") }
        let labels = [number(low), number(high)]
        let needed = labels.map { Text.size($0, scale: scale).width }.reduce(0, +) + 2 * scale
        guard (2...maxScaling).contains(width), width >= needed else {
            throw LRPError.argument("the colour bar must be from \(Swift.min(needed, maxScaling)) (its labels) to \(maxScaling) pixels wide, got \(width)")
        }
        let bar = 4 * scale
        let text = Text.size("0", scale: scale).height
        let height = bar + text
        let m = Swift.max(abs(low), abs(high))
        let positions = (0..<width).map { k -> Double in
            let f = Double(k) / Double(width - 1)
            let v = low * (1 - f) + high * f  // no overflow of high − low for ranges near ±1.8e308
            return m > 0 ? (v / m + 1) / 2 : 0.5
        }
        let colours = try ColorMap.apply(map, positions)
        var rgb = [Double](repeating: 1, count: height * width * 3)
        for y in 0..<bar { for x in 0..<width { for c in 0..<3 { rgb[(y * width + x) * 3 + c] = colours[x * 3 + c] } } }
        func put(_ label: String, left: Int) throws {
            let glyphs = try Text.render(label, scale: scale)
            let x0 = Swift.min(Swift.max(0, left), width - glyphs.width)
            for y in 0..<glyphs.height {
                for x in 0..<glyphs.width { for c in 0..<3 { rgb[((bar + y) * width + x0 + x) * 3 + c] = glyphs.rgb[(y * glyphs.width + x) * 3 + c] } }
            }
        }
        try put(labels[0], left: 0)
        try put(labels[1], left: width - Text.size(labels[1], scale: scale).width)
        if low < 0 && high > 0 {
            let zero = Text.size("0", scale: scale).width
            let where0 = 1 / (1 + high / -low)  // zero's place from 0 to 1, finite for every finite range
            let at = Int((Double(width - 1) * where0).rounded()) - zero / 2
            // between the two labels, where it does not touch them
            let first = Text.size(labels[0], scale: scale).width, last = width - Text.size(labels[1], scale: scale).width - zero
            if at >= first && at <= last { try put("0", left: at) }
        }
        return (rgb, height, width)
    }

    private static func sign(_ v: Double) -> String { v < 0 ? "-" : "" }

    /// `v` with three significant digits: fixed notation from 1e-3 to below 1e4 ("0.0123", "-4.5", "1230"),
    /// else "1.23E-5"; trailing zeros of the fraction dropped.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "NAN" : (v > 0 ? "INF" : "-INF") }
        if v == 0 { return "0" }
        // subnormal and tiny values are scaled up first, so 10^(exponent − 2) stays a normal number
        let (magnitude, shift) = abs(v) < 1e-290 ? (abs(v) * 1e300, -300) : (abs(v), 0)
        var exponent = Int((Glibc.log10(magnitude)).rounded(.down))
        let scaled = (magnitude / Glibc.pow(10, Double(exponent - 2))).rounded()
        guard scaled.isFinite, scaled >= 1, scaled <= 10000 else { return sign(v) + "?" }
        var digits = Int(scaled)
        exponent += shift
        if digits >= 1000 { digits /= 10; exponent += 1 }
        let sign = Self.sign(v)
        let text = String(digits)  // three digits d1 d2 d3 meaning d1.d2d3 × 10^exponent
        func trimmed(_ s: String) -> String {
            guard s.contains(".") else { return s }
            var t = s
            while t.hasSuffix("0") { t.removeLast() }
            if t.hasSuffix(".") { t.removeLast() }
            return t
        }
        if exponent >= -3 && exponent < 4 {
            if exponent >= 2 { return sign + text + String(repeating: "0", count: exponent - 2) }
            if exponent >= 0 {
                let point = text.index(text.startIndex, offsetBy: exponent + 1)
                return sign + trimmed(String(text[..<point]) + "." + String(text[point...]))
            }
            return sign + trimmed("0." + String(repeating: "0", count: -exponent - 1) + text)
        }
        let mantissa = trimmed(String(text.prefix(1)) + "." + String(text.dropFirst()))
        return sign + mantissa + "E" + (exponent < 0 ? "-" : "+") + String(abs(exponent))
    }
}
