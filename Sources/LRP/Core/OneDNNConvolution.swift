import CDNNL
import Glibc
import Synchronization

/// oneDNN's float32 convolution primitives (forward, and backward-data: the product with the transposed
/// weights followed by col2im) for one window geometry and batch size, on NHWC activations and HWIO weights as
/// liblrp stores them. oneDNN runs them in its own blocked layouts with kernels for the machine's widest
/// vector units; measured on VGG's layers they reach 2–3× the rate of im2col + sgemm (README, "Speed").
///
/// Primitives are made once per geometry and kept (oneDNN compiles them); each call brings its own
/// scratchpad, so threads may share them. float64 has no oneDNN kernels: it stays on im2col + dgemm.
final class OneDNNConvolution: @unchecked Sendable {
    private let handle: OpaquePointer

    private init(_ handle: OpaquePointer) { self.handle = handle }

    deinit { cdnnl_convolution_free(handle) }

    /// False when LRP_ONEDNN=0: float32 convolutions then take im2col + sgemm as float64 ones do.
    static let enabled: Bool = getenv("LRP_ONEDNN").map { String(cString: $0) != "0" } ?? true

    /// Primitives by geometry; nil where oneDNN has none (the caller falls back to im2col).
    private static let cache = Mutex<[[Int]: OneDNNConvolution?]>([:])

    /// At most this many geometries are kept; beyond it the cache starts anew.
    private static let capacity = 256

    /// The primitives for `batch` samples through windows `w` onto `filters` outputs, or nil (disabled, or
    /// no oneDNN kernel for it).
    static func primitives(_ w: WindowGeometry, batch: Int, filters: Int) -> OneDNNConvolution? {
        guard enabled else { return nil }
        let key = [batch, w.inputHeight, w.inputWidth, w.channels, w.outputHeight, w.outputWidth, filters,
                   w.windowHeight, w.windowWidth, w.strideHeight, w.strideWidth, w.padTop, w.padLeft, w.padBottom, w.padRight]
        if let known = cache.withLock({ $0[key] }) { return known }
        var g = cdnnl_geometry(batch: Int64(batch), ih: Int64(w.inputHeight), iw: Int64(w.inputWidth), ic: Int64(w.channels),
                               oh: Int64(w.outputHeight), ow: Int64(w.outputWidth), oc: Int64(filters),
                               kh: Int64(w.windowHeight), kw: Int64(w.windowWidth), sh: Int64(w.strideHeight),
                               sw: Int64(w.strideWidth), pt: Int64(w.padTop), pl: Int64(w.padLeft),
                               pb: Int64(w.padBottom), pr: Int64(w.padRight))
        var message = [CChar](repeating: 0, count: 256)
        let made = cdnnl_convolution_create(&g, &message, message.count).map(OneDNNConvolution.init)
        cache.withLock { cache in
            if cache.count >= capacity { cache.removeAll() }
            cache[key] = .some(made)
        }
        return made
    }

    /// The C string in `buffer`.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// y = conv(x, w) + b (no bias when b is nil).
    func forward(_ x: UnsafePointer<Float>, weights w: UnsafePointer<Float>, bias b: UnsafePointer<Float>?,
                 into y: UnsafeMutablePointer<Float>) throws {
        var message = [CChar](repeating: 0, count: 256)
        let status = cdnnl_convolution_forward(handle, x, w, b, y, Int32(Parallel.threads), &message, message.count)
        guard status == 0 else { throw LRPError.memory(Self.text(message)) }
    }

    /// dx = convᵀ(dy, w), or dx += convᵀ(dy, w) when `accumulate`.
    func backwardData(_ dy: UnsafePointer<Float>, weights w: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                      accumulate: Bool) throws {
        var message = [CChar](repeating: 0, count: 256)
        let status = cdnnl_convolution_backward_data(handle, dy, w, dx, accumulate ? 1 : 0, Int32(Parallel.threads),
                                                     &message, message.count)
        guard status == 0 else { throw LRPError.memory(Self.text(message)) }
    }
}
