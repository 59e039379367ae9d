import Glibc

/// Colour maps for heatmaps. Named maps follow matplotlib's lookup tables of 256 entries built from
/// piecewise-linear segment data: a value v picks entry min(Int(v·256), 255), values below 0 the first and
/// above 1 the last, NaN black. The LRP Toolbox's custom maps compute their colours from R directly.
public enum ColorMap {
    /// Map names: matplotlib's and the toolbox's custom ones.
    public static let names = ["jet", "binary", "gray", "bwr", "seismic", "coolwarm", "hot", "coldnhot",
                               "gray-red", "black-green", "blue-black-yellow", "black-firered", "gray-red2"]

    /// True for the toolbox's custom maps, which take R unnormalized.
    public static func isCustom(_ name: String) -> Bool { name.contains("-") }

    /// Colours (r, g, b in [0, 1], three values per input) for `values` under map `name`.
    public static func apply(_ name: String, _ values: [Double]) throws -> [Double] {
        if isCustom(name) { return try custom(name, values) }
        let lut = try table(name)
        var out = [Double](repeating: 0, count: values.count * 3)
        for (i, v) in values.enumerated() {
            guard !v.isNaN else { continue }
            let index: Int
            if v < 0 { index = 0 } else if v >= 1 { index = 255 } else { index = Swift.min(Int(v * 256), 255) }
            out[3 * i] = lut[index].0; out[3 * i + 1] = lut[index].1; out[3 * i + 2] = lut[index].2
        }
        return out
    }

    // MARK: Named maps

    /// Segment data per channel: (position, value) pairs.
    typealias Segments = [(Double, Double)]

    private static func evenly(_ colors: [(Double, Double, Double)]) -> (Segments, Segments, Segments) {
        let n = Double(colors.count - 1)
        let xs = colors.indices.map { Double($0) / n }
        return (zip(xs, colors.map(\.0)).map { ($0, $1) }, zip(xs, colors.map(\.1)).map { ($0, $1) },
                zip(xs, colors.map(\.2)).map { ($0, $1) })
    }

    /// Segment data from colours at palette indices 0 … 255.
    private static func atIndices(_ nodes: [(Double, (Double, Double, Double))]) -> (Segments, Segments, Segments) {
        (nodes.map { ($0.0 / 255, $0.1.0) }, nodes.map { ($0.0 / 255, $0.1.1) }, nodes.map { ($0.0 / 255, $0.1.2) })
    }

    /// The 256-entry table of a named map.
    static func table(_ name: String) throws -> [(Double, Double, Double)] {
        let channels: (Segments, Segments, Segments)
        switch name {
        case "jet":
            channels = ([(0, 0), (0.35, 0), (0.66, 1), (0.89, 1), (1, 0.5)],
                        [(0, 0), (0.125, 0), (0.375, 1), (0.64, 1), (0.91, 0), (1, 0)],
                        [(0, 0.5), (0.11, 1), (0.34, 1), (0.65, 0), (1, 0)])
        case "binary": channels = ([(0, 1), (1, 0)], [(0, 1), (1, 0)], [(0, 1), (1, 0)])
        case "gray": channels = ([(0, 0), (1, 1)], [(0, 0), (1, 1)], [(0, 0), (1, 1)])
        case "bwr": channels = evenly([(0, 0, 1), (1, 1, 1), (1, 0, 0)])
        case "seismic": channels = evenly([(0, 0, 0.3), (0, 0, 1), (1, 1, 1), (1, 0, 0), (0.5, 0, 0)])
        case "hot":
            channels = ([(0, 0.0416), (0.365079, 1), (1, 1)], [(0, 0), (0.365079, 0), (0.746032, 1), (1, 1)],
                        [(0, 0), (0.746032, 0), (1, 1)])
        case "coolwarm":
            return (0..<256).map { Moreland.coolwarm(Double($0) / 255) }
        case "coldnhot":
            // zennit's "0ff,00f,80:000,f00,ff0,fff": cyan, blue, black at 0x80, red, yellow, white; its unindexed
            // colours evenly between indexed ones at int() of the index, here on its 256-entry palette.
            channels = atIndices([(0, (0, 1, 1)), (64, (0, 0, 1)), (128, (0, 0, 0)), (170, (1, 0, 0)), (212, (1, 1, 0)),
                                  (255, (1, 1, 1))])
        default:
            throw LRPError.argument("unknown colour map '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        let (r, g, b) = (lookup(channels.0), lookup(channels.1), lookup(channels.2))
        return (0..<256).map { (r[$0], g[$0], b[$0]) }
    }

    /// matplotlib's lookup table for one channel: entry k is the segment data at k/255, piecewise linear.
    static func lookup(_ segments: Segments, entries n: Int = 256) -> [Double] {
        (0..<n).map { k in
            let x = Double(k) / Double(n - 1)
            if k == 0 { return segments[0].1 }
            if k == n - 1 { return segments[segments.count - 1].1 }
            // The first breakpoint at or after x (numpy's searchsorted, side 'left').
            var i = 0
            while i < segments.count && segments[i].0 < x { i += 1 }
            let (x0, y0) = segments[i - 1], (x1, y1) = segments[i]
            let value = y0 + (x - x0) / (x1 - x0) * (y1 - y0)
            return Swift.min(Swift.max(value, 0), 1)
        }
    }

    // MARK: The toolbox's custom maps

    private static func custom(_ name: String, _ values: [Double]) throws -> [Double] {
        var out = [Double](repeating: 0, count: values.count * 3)
        let largest = values.max() ?? 0
        let largestMagnitude = values.map(abs).max() ?? 0
        func clip(_ v: Double, _ lo: Double, _ hi: Double) -> Double { Swift.min(Swift.max(v, lo), hi) }
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
        switch name {
        case "gray-red":
            for (i, r) in values.enumerated() {
                let t = clip(ratio(r, largest), -1, 1)
                if r < 0 {
                    out[3 * i] = 0.8 + 0.8 * t; out[3 * i + 1] = 0.8 + 0.8 * t; out[3 * i + 2] = 0.8 - 0.2 * t
                } else {
                    out[3 * i] = 0.8 + 0.2 * t; out[3 * i + 1] = 0.8 - 0.8 * t; out[3 * i + 2] = 0.8 - 0.8 * t
                }
            }
        case "black-green":
            for (i, r) in values.enumerated() {
                if r < 0 { out[3 * i + 2] = -ratio(r, largest) } else { out[3 * i + 1] = ratio(r, largest) }
            }
        case "blue-black-yellow":
            for (i, r) in values.enumerated() {
                if r < 0 {
                    out[3 * i + 2] = -ratio(r, largest)
                } else {
                    out[3 * i] = ratio(r, largest); out[3 * i + 1] = ratio(r, largest)
                }
            }
        case "black-firered":
            for (i, r) in values.enumerated() {
                let x = ratio(r, largestMagnitude)
                out[3 * i] = clip(x, 0, 0.25) / 0.25 + clip(-x - 0.5, 0, 0.5) / 0.5
                out[3 * i + 1] = clip(x - 0.25, 0, 0.25) / 0.25 + clip(-x - 0.25, 0, 0.25) / 0.25
                out[3 * i + 2] = clip(x - 0.5, 0, 0.5) / 0.5 + clip(-x, 0, 0.25) / 0.25
            }
        case "gray-red2":
            let mean = values.reduce(0, +) / Double(Swift.max(values.count, 1))
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(Swift.max(values.count, 1))
            let kept = values.map { ($0 > 10 * variance || $0 < 0) ? 0 : $0 }
            let top = kept.max() ?? 0
            for (i, r) in kept.enumerated() {
                let x = ratio(r, top)
                out[3 * i] = 0.9 - clip(x - 0.3, 0, 0.7) / 0.7 * 0.5
                let gb = 0.9 - clip(x, 0, 0.3) / 0.3 * 0.5 - clip(x - 0.3, 0, 0.7) / 0.7 * 0.4
                out[3 * i + 1] = gb; out[3 * i + 2] = gb
            }
        default:
            throw LRPError.argument("unknown colour map '\(name)' (known: \(names.joined(separator: ", ")))")
        }
        return out
    }
}

/// Moreland's smooth diverging colour map ("Diverging Color Maps for Scientific Visualization", 2009),
/// blue (0.230, 0.299, 0.754) to red (0.706, 0.016, 0.150) through a neutral white, interpolated in his
/// Msh space — the map matplotlib samples for 'coolwarm'.
enum Moreland {
    typealias RGB = (Double, Double, Double)

    static func coolwarm(_ t: Double) -> RGB {
        interpolate((0.230, 0.299, 0.754), (0.706, 0.016, 0.150), t)
    }

    static func interpolate(_ c1: RGB, _ c2: RGB, _ t: Double) -> RGB {
        var (m1, s1, h1) = msh(c1)
        var (m2, s2, h2) = msh(c2)
        var t = t
        if s1 > 0.05 && s2 > 0.05 && abs(h1 - h2) > Double.pi / 3 {
            // Pass through white in the middle.
            let mid = Swift.max(m1, m2, 88)
            if t < 0.5 {
                m2 = mid; s2 = 0; h2 = 0; t *= 2
            } else {
                m1 = mid; s1 = 0; h1 = 0; t = 2 * t - 1
            }
        }
        if s1 < 0.05 && s2 > 0.05 { h1 = adjustHue(m2, s2, h2, m1) } else if s2 < 0.05 && s1 > 0.05 { h2 = adjustHue(m1, s1, h1, m2) }
        return rgb(fromMsh: ((1 - t) * m1 + t * m2, (1 - t) * s1 + t * s2, (1 - t) * h1 + t * h2))
    }

    private static func adjustHue(_ m: Double, _ s: Double, _ h: Double, _ unsaturatedM: Double) -> Double {
        if m >= unsaturatedM { return h }
        let spin = s * (unsaturatedM * unsaturatedM - m * m).squareRoot() / (m * sin(s))
        return h > -Double.pi / 3 ? h + spin : h - spin
    }

    // sRGB ↔ CIELAB (D65) ↔ Msh.
    private static let white = (0.95047, 1.0, 1.08883)

    private static func linear(_ c: Double) -> Double { c > 0.04045 ? pow((c + 0.055) / 1.055, 2.4) : c / 12.92 }
    private static func gamma(_ c: Double) -> Double { c > 0.0031308 ? 1.055 * pow(c, 1 / 2.4) - 0.055 : 12.92 * c }

    static func msh(_ c: RGB) -> (Double, Double, Double) {
        let (r, g, b) = (linear(c.0), linear(c.1), linear(c.2))
        let x = 0.4124 * r + 0.3576 * g + 0.1805 * b
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
        let z = 0.0193 * r + 0.1192 * g + 0.9505 * b
        func f(_ t: Double) -> Double { t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116 }
        let (fx, fy, fz) = (f(x / white.0), f(y / white.1), f(z / white.2))
        let (l, a, bb) = (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
        let m = (l * l + a * a + bb * bb).squareRoot()
        let s = m > 0 ? acos(Swift.min(Swift.max(l / m, -1), 1)) : 0
        let h = atan2(bb, a)
        return (m, s, h)
    }

    static func rgb(fromMsh v: (Double, Double, Double)) -> RGB {
        let (m, s, h) = v
        let l = m * cos(s), a = m * sin(s) * cos(h), bb = m * sin(s) * sin(h)
        let fy = (l + 16) / 116, fx = fy + a / 500, fz = fy - bb / 200
        func inverse(_ t: Double) -> Double { t * t * t > 0.008856 ? t * t * t : (t - 16.0 / 116) / 7.787 }
        let (x, y, z) = (inverse(fx) * white.0, inverse(fy) * white.1, inverse(fz) * white.2)
        let r = 3.2406 * x - 1.5372 * y - 0.4986 * z
        let g = -0.9689 * x + 1.8758 * y + 0.0415 * z
        let b = 0.0557 * x - 0.2040 * y + 1.0570 * z
        func clamp(_ c: Double) -> Double { Swift.min(Swift.max(gamma(c), 0), 1) }
        return (clamp(r), clamp(g), clamp(b))
    }
}
