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
            let pointwise = w.windowHeight == 1 && w.windowWidth == 1 && w.strideHeight == 1 && w.strideWidth == 1
            let whole = w.windowHeight == w.inputHeight && w.windowWidth == w.inputWidth
            return pointwise || whole
        }
    }

    /// Copies patches `rows` (row-major, patchSize values each) from `x` into `out` (im2col).
    func gather(_ x: UnsafePointer<Double>, rows: Range<Int>, into out: UnsafeMutablePointer<Double>) {
        let k = patchSize
        switch kind {
        case .dense:
            out.update(from: x + rows.lowerBound * k, count: rows.count * k)
        case .windows(let w):
            let rowLength = w.windowWidth * w.channels
            var dst = out
            w.forEachWindow(rows) { base in
                var src = x + base
                for _ in 0..<w.windowHeight {
                    dst.update(from: src, count: rowLength)
                    dst += rowLength
                    src += w.inputRowStride
                }
            }
        }
    }

    /// Adds patches `rows` from `cols` (row-major, patchSize values each) into the input-shaped `r` (col2im).
    func scatterAdd(_ cols: UnsafePointer<Double>, rows: Range<Int>, into r: UnsafeMutablePointer<Double>) {
        let k = patchSize
        switch kind {
        case .dense:
            let dst = r + rows.lowerBound * k
            for i in 0..<(rows.count * k) { dst[i] += cols[i] }
        case .windows(let w):
            let rowLength = w.windowWidth * w.channels
            var src = cols
            w.forEachWindow(rows) { base in
                var dst = r + base
                for _ in 0..<w.windowHeight {
                    for i in 0..<rowLength { dst[i] += src[i] }
                    src += rowLength
                    dst += w.inputRowStride
                }
            }
        }
    }
}

/// The geometry of a sliding window over an N×H×W×C image without padding: output size
/// Hout = (H − hf) div sh + 1, Wout = (W − wf) div sw + 1 (the toolbox's convention).
struct WindowGeometry: Sendable, Equatable {
    let inputHeight: Int, inputWidth: Int, channels: Int
    let windowHeight: Int, windowWidth: Int
    let strideHeight: Int, strideWidth: Int
    let outputHeight: Int, outputWidth: Int

    /// The geometry for an input of H×W×C, or a shape error when the window does not fit.
    init(height: Int, width: Int, channels: Int, window: (Int, Int), stride: (Int, Int)) throws {
        guard height >= window.0, width >= window.1 else {
            throw LRPError.shape("window \(window.0)×\(window.1) does not fit an input of \(height)×\(width)")
        }
        inputHeight = height; inputWidth = width; self.channels = channels
        windowHeight = window.0; windowWidth = window.1
        strideHeight = stride.0; strideWidth = stride.1
        outputHeight = (height - window.0) / stride.0 + 1
        outputWidth = (width - window.1) / stride.1 + 1
    }

    /// Elements between vertically adjacent pixels of the input (W·C).
    var inputRowStride: Int { inputWidth * channels }
    /// Elements of one input sample (H·W·C).
    var inputSampleSize: Int { inputHeight * inputWidth * channels }

    /// Calls `body` with the offset of the top-left input element of each window in `rows` (output pixels
    /// numbered n·Hout·Wout + oh·Wout + ow), in order.
    @inline(__always)
    func forEachWindow(_ rows: Range<Int>, _ body: (Int) -> Void) {
        guard !rows.isEmpty else { return }
        let perSample = outputHeight * outputWidth
        var n = rows.lowerBound / perSample
        let rest = rows.lowerBound % perSample
        var oh = rest / outputWidth
        var ow = rest % outputWidth
        for _ in rows {
            body(n * inputSampleSize + (oh * strideHeight) * inputRowStride + (ow * strideWidth) * channels)
            ow += 1
            if ow == outputWidth {
                ow = 0; oh += 1
                if oh == outputHeight { oh = 0; n += 1 }
            }
        }
    }
}
