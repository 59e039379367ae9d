import Glibc

/// Canny edge detection as scikit-image computes it (the outline the LRP Toolbox draws over heatmaps):
/// Gaussian smoothing with zero padding, corrected for the border by the smoothed all-ones mask; Sobel
/// gradients (reflecting borders); non-maximum suppression along the gradient, interpolating between the
/// two nearest neighbours, on the image without its outermost ring; hysteresis keeping the 8-connected
/// runs above `low` that reach `high`.
public enum Canny {
    /// Edge pixels (true) of an h×w image in row-major order.
    public static func edges(_ image: [Double], height h: Int, width w: Int, sigma: Double,
                             low: Double = 0.1, high: Double = 0.2) throws -> [Bool] {
        guard h >= 1, w >= 1, image.count == h * w else {
            throw LRPError.shape("Canny needs \(h)×\(w) values, got \(image.count)")
        }
        guard sigma.isFinite, sigma >= 0, sigma <= Render.maxSigma else {
            throw LRPError.argument("Canny sigma must be from 0 to \(Render.maxSigma), got \(sigma)")
        }
        try Limits.checkAllocation(try Shape.count([h, w]), of: 6 * MemoryLayout<Double>.stride, "Canny edges of a \(h)×\(w) image")
        let ones = [Double](repeating: 1, count: h * w)
        let bleed = gaussian(ones, h, w, sigma)
        let smoothed = zip(gaussian(image, h, w, sigma), bleed).map { $0 / ($1 + Double.ulpOfOne) }

        // Sobel: isobel differentiates along rows (axis 0), jsobel along columns (axis 1).
        let isobel = correlate(correlate(smoothed, h, w, [-1, 0, 1], axis: 0, reflect: true), h, w, [1, 2, 1], axis: 1, reflect: true)
        let jsobel = correlate(correlate(smoothed, h, w, [-1, 0, 1], axis: 1, reflect: true), h, w, [1, 2, 1], axis: 0, reflect: true)
        let magnitude = zip(isobel, jsobel).map { hypot($0, $1) }

        let maxima = localMaxima(isobel, jsobel, magnitude, h, w)
        var lowMask = [Bool](repeating: false, count: h * w)
        var highMask = lowMask
        for i in 0..<(h * w) where maxima[i] {
            lowMask[i] = magnitude[i] >= low
            highMask[i] = magnitude[i] >= high
        }
        return hysteresis(lowMask, highMask, h, w)
    }

    /// scipy.ndimage.gaussian_filter with mode 'constant' (zeros outside) and truncate 4.
    static func gaussian(_ values: [Double], _ h: Int, _ w: Int, _ sigma: Double) -> [Double] {
        guard sigma > 0 else { return values }
        let radius = Int(4 * sigma + 0.5)
        var kernel = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        return correlate(correlate(values, h, w, kernel, axis: 0, reflect: false), h, w, kernel, axis: 1, reflect: false)
    }

    /// A 1-D correlation along `axis` with an odd kernel centred on each pixel; outside the image zeros
    /// (`reflect` false) or the mirrored image, edge pixel repeated (scipy's 'reflect').
    static func correlate(_ values: [Double], _ h: Int, _ w: Int, _ kernel: [Double], axis: Int, reflect: Bool) -> [Double] {
        let center = kernel.count / 2
        var out = [Double](repeating: 0, count: values.count)
        let (length, other) = axis == 0 ? (h, w) : (w, h)
        func at(_ line: Int, _ position: Int) -> Double {
            var p = position
            if p < 0 || p >= length {
                guard reflect else { return 0 }
                // Half-sample symmetric reflection, repeated for kernels longer than the line.
                let period = 2 * length
                p = ((p % period) + period) % period
                if p >= length { p = period - 1 - p }
            }
            return axis == 0 ? values[p * w + line] : values[line * w + p]
        }
        for line in 0..<other {
            for position in 0..<length {
                var sum = 0.0
                for (k, weight) in kernel.enumerated() where weight != 0 {
                    sum += weight * at(line, position + k - center)
                }
                if axis == 0 { out[position * w + line] = sum } else { out[line * w + position] = sum }
            }
        }
        return out
    }

    /// Non-maximum suppression with interpolation, in the four sectors of the gradient direction; a point in
    /// several sectors takes the verdict of the last one, as scikit-image's order does.
    static func localMaxima(_ isobel: [Double], _ jsobel: [Double], _ magnitude: [Double], _ h: Int, _ w: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: h * w)
        guard h >= 3, w >= 3 else { return out }
        func m(_ i: Int, _ j: Int) -> Double { magnitude[i * w + j] }
        for i in 1..<(h - 1) {
            for j in 1..<(w - 1) {
                let index = i * w + j
                let mag = magnitude[index]
                guard mag > 0 else { continue }
                let gi = isobel[index], gj = jsobel[index]
                let ai = abs(gi), aj = abs(gj)
                let horizontal = ai >= aj, vertical = ai <= aj
                let upRightOrDownLeft = (gi >= 0 && gj >= 0) || (gi <= 0 && gj <= 0)
                let downRightOrUpLeft = (gi <= 0 && gj >= 0) || (gi >= 0 && gj <= 0)
                func check(_ weight: Double, _ plus: (Double, Double), _ minus: (Double, Double)) -> Bool {
                    weight * plus.1 + (1 - weight) * plus.0 <= mag && weight * minus.1 + (1 - weight) * minus.0 <= mag
                }
                // 0–45°: mix of the vertical neighbour and the diagonal one.
                if upRightOrDownLeft && horizontal {
                    out[index] = check(aj / ai, (m(i + 1, j), m(i + 1, j + 1)), (m(i - 1, j), m(i - 1, j - 1)))
                }
                // 45–90°.
                if upRightOrDownLeft && vertical {
                    out[index] = check(ai / aj, (m(i, j + 1), m(i + 1, j + 1)), (m(i, j - 1), m(i - 1, j - 1)))
                }
                // 90–135°.
                if downRightOrUpLeft && vertical {
                    out[index] = check(ai / aj, (m(i, j + 1), m(i - 1, j + 1)), (m(i, j - 1), m(i + 1, j - 1)))
                }
                // 135–180°.
                if downRightOrUpLeft && horizontal {
                    out[index] = check(aj / ai, (m(i - 1, j), m(i - 1, j + 1)), (m(i + 1, j), m(i + 1, j - 1)))
                }
            }
        }
        return out
    }

    /// The 8-connected runs of `low` that contain a pixel of `high`.
    static func hysteresis(_ low: [Bool], _ high: [Bool], _ h: Int, _ w: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: h * w)
        var stack: [Int] = []
        for start in 0..<(h * w) where high[start] && low[start] && !out[start] {
            out[start] = true
            stack.append(start)
            while let p = stack.popLast() {
                let (i, j) = (p / w, p % w)
                for di in -1...1 {
                    for dj in -1...1 where di != 0 || dj != 0 {
                        let (ni, nj) = (i + di, j + dj)
                        guard ni >= 0, ni < h, nj >= 0, nj < w else { continue }
                        let q = ni * w + nj
                        if low[q] && !out[q] { out[q] = true; stack.append(q) }
                    }
                }
            }
        }
        return out
    }
}
