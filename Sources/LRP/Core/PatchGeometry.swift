/// How a Linear or Convolution layer sees its input as a matrix of patches, one row per output position:
/// the layer's output is then patches·W + b, a single matrix product.
///
/// - `dense`: every sample is one patch (Linear: N×m input, N patches of m values).
/// - `windows`: every output pixel (n, oh, ow) of a convolution is one patch holding its receptive field
///   hf×wf×D in (kh, kw, d) order — the order of the weight tensor hf×wf×df×nf, so that tensor read as a
///   (hf·wf·df)×nf matrix is the right operand (im2col).
struct PatchGeometry: Sendable, Equatable {
    /// The shape of a patch source: dense (features per sample) or windows over an N×H×W×D image.
    enum Kind: Sendable, Equatable {
        case dense(features: Int)
        case windows(WindowGeometry)
    }

    /// Which kind of patches.
    let kind: Kind
    /// Number of samples in the batch.
    let batch: Int

    /// Values per patch (K, the rows of the weight matrix).
    var patchSize: Int {
        switch kind {
        case .dense(let features): return features
        case .windows(let w): return w.windowHeight * w.windowWidth * w.channels
        }
    }

    /// Patches per sample: 1, or Hout·Wout.
    var patchesPerSample: Int {
        switch kind {
        case .dense: return 1
        case .windows(let w): return w.outputHeight * w.outputWidth
        }
    }

    /// Number of patches (P, the rows of the patch matrix): N, or N·Hout·Wout.
    var patchCount: Int {
        switch kind {
        case .dense: return batch
        case .windows(let w): return batch * w.outputHeight * w.outputWidth
        }
    }

    /// True when the patch matrix is the input itself (no copy needed): dense layers, 1×1 convolutions with
    /// stride 1, and convolutions whose single window covers the whole input.
    var patchesAreInput: Bool {
        switch kind {
        case .dense: return true
        case .windows(let w):
            guard !w.reachesOutside else { return false }
            let pointwise = w.windowHeight == 1 && w.windowWidth == 1 && w.strideHeight == 1 && w.strideWidth == 1
            let whole = w.windowHeight == w.inputHeight && w.windowWidth == w.inputWidth
            return pointwise || whole
        }
    }

    /// Copies patches `rows` (row-major, patchSize values each) from `x` into `out` (im2col).
    func gather<T: Real>(_ x: UnsafePointer<T>, rows: Range<Int>, into out: UnsafeMutablePointer<T>) {
        let k = patchSize
        switch kind {
        case .dense:
            out.update(from: x + rows.lowerBound * k, count: rows.count * k)
        case .windows(let w):
            let rowLength = w.windowWidth * w.channels
            var dst = out
            guard w.reachesOutside else {
                w.forEachWindow(rows) { base in
                    var src = x + base
                    for _ in 0..<w.windowHeight {
                        dst.update(from: src, count: rowLength)
                        dst += rowLength
                        src += w.inputRowStride
                    }
                }
                return
            }
            // Windows over padding: what lies outside the input reads as zero.
            let d = w.channels
            w.forEachWindowIndex(rows) { n, oh, ow in
                let (row, column) = w.origin(oh, ow)
                let inside = w.insideRows(row), columns = w.insideColumns(column)
                let sample = x + n * w.inputSampleSize
                for kh in 0..<w.windowHeight {
                    if inside.contains(kh) {
                        let src = sample + (row + kh) * w.inputRowStride + (column + columns.lowerBound) * d
                        dst.update(repeating: 0, count: columns.lowerBound * d)
                        (dst + columns.lowerBound * d).update(from: src, count: columns.count * d)
                        (dst + columns.upperBound * d).update(repeating: 0, count: (w.windowWidth - columns.upperBound) * d)
                    } else {
                        dst.update(repeating: 0, count: rowLength)
                    }
                    dst += rowLength
                }
            }
        }
    }

    /// Adds patches `rows` from `cols` (row-major, patchSize values each) into the input-shaped `r` (col2im).
    func scatterAdd<T: Real>(_ cols: UnsafePointer<T>, rows: Range<Int>, into r: UnsafeMutablePointer<T>) {
        let k = patchSize
        switch kind {
        case .dense:
            let dst = r + rows.lowerBound * k
            for i in 0..<(rows.count * k) { dst[i] += cols[i] }
        case .windows(let w):
            let rowLength = w.windowWidth * w.channels
            var src = cols
            guard w.reachesOutside else {
                w.forEachWindow(rows) { base in
                    var dst = r + base
                    for _ in 0..<w.windowHeight {
                        for i in 0..<rowLength { dst[i] += src[i] }
                        src += rowLength
                        dst += w.inputRowStride
                    }
                }
                return
            }
            // What lands on padding is dropped.
            let d = w.channels
            w.forEachWindowIndex(rows) { n, oh, ow in
                let (row, column) = w.origin(oh, ow)
                let inside = w.insideRows(row), columns = w.insideColumns(column)
                let sample = r + n * w.inputSampleSize
                for kh in inside {
                    let dst = sample + (row + kh) * w.inputRowStride + (column + columns.lowerBound) * d
                    let from = src + kh * rowLength + columns.lowerBound * d
                    for i in 0..<(columns.count * d) { dst[i] += from[i] }
                }
                src += w.windowHeight * rowLength
            }
        }
    }
}

/// Where windows sit relative to the input: its padding and how the output size is rounded.
public struct WindowPlacement: Sendable, Equatable {
    /// Padding around the input.
    public enum Padding: Sendable, Equatable {
        /// Rows/columns of zeros (or −∞ for max pooling) on each side.
        case explicit(top: Int, bottom: Int, left: Int, right: Int)
        /// Keras/TensorFlow 'same': output ceil(H/s), padding split with the odd one at the bottom/right.
        case same
    }

    /// The padding.
    public var padding: Padding
    /// Caffe's pooling rounds the output size up (windows may then run past the padded input).
    public var roundUp: Bool

    /// No padding, output sizes rounded down (the toolbox's and Keras' 'valid').
    public static let valid = WindowPlacement(padding: .explicit(top: 0, bottom: 0, left: 0, right: 0), roundUp: false)

    /// A placement; negative paddings are refused.
    public init(padding: Padding, roundUp: Bool = false) {
        self.padding = padding
        self.roundUp = roundUp
    }

    /// True for 'valid' (nothing to pad, rounding down).
    public var isValid: Bool { self == .valid }

    /// The options of a header line: "pad=same", "pad=t,b,l,r", "round=up"; none for 'valid'.
    var options: [String] {
        var out: [String] = []
        switch padding {
        case .same: out.append("pad=same")
        case .explicit(let t, let b, let l, let r) where t != 0 || b != 0 || l != 0 || r != 0:
            out.append("pad=\(t),\(b),\(l),\(r)")
        default: break
        }
        if roundUp { out.append("round=up") }
        return out
    }
}

/// The geometry of a sliding window over an N×H×W×C image: window hf×wf, stride sh×sw, and a placement.
/// Output rows oh cover input rows oh·sh − padTop ..< oh·sh − padTop + hf; rows outside the input are
/// padding. Without padding and rounding down: Hout = (H − hf) div sh + 1 (the toolbox's convention).
struct WindowGeometry: Sendable, Equatable {
    let inputHeight: Int, inputWidth: Int, channels: Int
    let windowHeight: Int, windowWidth: Int
    let strideHeight: Int, strideWidth: Int
    /// The padding actually applied (for 'same' it depends on the input size).
    let padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
    let outputHeight: Int, outputWidth: Int

    /// The geometry for an input of H×W×C, or a shape error when the window does not fit.
    init(height: Int, width: Int, channels: Int, window: (Int, Int), stride: (Int, Int),
         placement: WindowPlacement = .valid) throws {
        inputHeight = height; inputWidth = width; self.channels = channels
        windowHeight = window.0; windowWidth = window.1
        strideHeight = stride.0; strideWidth = stride.1
        func along(_ size: Int, _ k: Int, _ s: Int, _ before: Int, _ after: Int) throws -> (Int, Int, Int) {
            // Sizes beyond 2^30 cannot describe real images; bounding them keeps the arithmetic below exact.
            let limit = 1 << 30
            guard size <= limit, k <= limit, s <= limit, before <= limit, after <= limit else {
                throw LRPError.argument("window \(k), stride \(s) or padding \(before), \(after) over \(size) is beyond 2^30")
            }
            switch placement.padding {
            case .same:
                let out = (size + s - 1) / s
                let total = Swift.max((out - 1) * s + k - size, 0)
                return (out, total / 2, total - total / 2)
            case .explicit:
                guard before >= 0, after >= 0 else { throw LRPError.argument("padding must be ≥ 0, got \(before), \(after)") }
                let span = size + before + after - k
                guard span >= 0 else {
                    throw LRPError.shape("window \(window.0)×\(window.1) does not fit an input of \(height)×\(width)\(before + after > 0 ? " with its padding" : "")")
                }
                var out = (placement.roundUp ? (span + s - 1) / s : span / s) + 1
                // Caffe: the last window must start inside the input or its leading padding.
                if placement.roundUp && before > 0 && (out - 1) * s >= size + before { out -= 1 }
                return (out, before, after)
            }
        }
        var (t, b, l, r) = (0, 0, 0, 0)
        if case .explicit(let pt, let pb, let pl, let pr) = placement.padding { (t, b, l, r) = (pt, pb, pl, pr) }
        let vertical = try along(height, window.0, stride.0, t, b)
        let horizontal = try along(width, window.1, stride.1, l, r)
        outputHeight = vertical.0; padTop = vertical.1; padBottom = vertical.2
        outputWidth = horizontal.0; padLeft = horizontal.1; padRight = horizontal.2
        guard outputHeight >= 1, outputWidth >= 1 else {
            throw LRPError.shape("window \(window.0)×\(window.1) does not fit an input of \(height)×\(width)")
        }
    }

    /// True when some window reaches outside the input (padding, or rounding up).
    var reachesOutside: Bool {
        padTop > 0 || padLeft > 0 ||
            (outputHeight - 1) * strideHeight - padTop + windowHeight > inputHeight ||
            (outputWidth - 1) * strideWidth - padLeft + windowWidth > inputWidth
    }

    /// Elements between vertically adjacent pixels of the input (W·C).
    var inputRowStride: Int { inputWidth * channels }
    /// Elements of one input sample (H·W·C).
    var inputSampleSize: Int { inputHeight * inputWidth * channels }

    /// The first input row and column of window (oh, ow) (negative inside the padding).
    @inline(__always)
    func origin(_ oh: Int, _ ow: Int) -> (row: Int, column: Int) {
        (oh * strideHeight - padTop, ow * strideWidth - padLeft)
    }

    /// The window rows (0 ..< hf) that fall inside the input for a window starting at input row `row`.
    @inline(__always)
    func insideRows(_ row: Int) -> Range<Int> {
        // Both bounds within 0...hf, also for windows wholly in the padding (padding wider than the window).
        let lower = Swift.min(windowHeight, Swift.max(0, -row))
        return lower..<Swift.max(lower, Swift.min(windowHeight, inputHeight - row))
    }

    /// The window columns (0 ..< wf) inside the input for a window starting at input column `column`.
    @inline(__always)
    func insideColumns(_ column: Int) -> Range<Int> {
        let lower = Swift.min(windowWidth, Swift.max(0, -column))
        return lower..<Swift.max(lower, Swift.min(windowWidth, inputWidth - column))
    }

    /// Calls `body(n, oh, ow)` for each window in `rows` (output pixels numbered n·Hout·Wout + oh·Wout + ow).
    @inline(__always)
    func forEachWindowIndex(_ rows: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        guard !rows.isEmpty else { return }
        let perSample = outputHeight * outputWidth
        var n = rows.lowerBound / perSample
        let rest = rows.lowerBound % perSample
        var oh = rest / outputWidth
        var ow = rest % outputWidth
        for _ in rows {
            body(n, oh, ow)
            ow += 1
            if ow == outputWidth {
                ow = 0; oh += 1
                if oh == outputHeight { oh = 0; n += 1 }
            }
        }
    }

    /// Calls `body` with the offset of the top-left input element of each window in `rows` — for windows
    /// that lie inside the input (callers check `reachesOutside`).
    @inline(__always)
    func forEachWindow(_ rows: Range<Int>, _ body: (Int) -> Void) {
        forEachWindowIndex(rows) { n, oh, ow in
            body(n * inputSampleSize + (oh * strideHeight - padTop) * inputRowStride + (ow * strideWidth - padLeft) * channels)
        }
    }
}
