/// A modified weight (or bias) of an LRP rule as a function of the layer's own, the one form every rule's
/// modifications take:
///
///     m(w) = c0 + c1·w + c⁺·max(w, 0) + c⁻·min(w, 0) + c2·w²
///
/// w itself (c1 = 1), w⁺ and w⁻, the gamma rule's w + γw⁺, ww's w², flat's 1, zᴮ's −w⁺ and −w⁻, and the
/// unified rule's f and g (whose definition this is). Equal maps give equal matrices, so a layer keeps one
/// matrix per map (`ModifiedWeights`), shared by every rule and term that reads it.
struct WeightMap: Hashable, Sendable {
    var c0 = 0.0, c1 = 0.0, positive = 0.0, negative = 0.0, c2 = 0.0

    /// w.
    static let identity = WeightMap(c1: 1)
    /// w⁺ = max(w, 0).
    static let positivePart = WeightMap(positive: 1)
    /// w⁻ = min(w, 0).
    static let negativePart = WeightMap(negative: 1)
    /// 0.
    static let zero = WeightMap()
    /// 1.
    static let one = WeightMap(c0: 1)
    /// w².
    static let square = WeightMap(c2: 1)

    /// m(w), evaluated left to right as written above (so that the toolbox's and zennit's forms give the same
    /// bits: terms with a zero coefficient add an exact zero).
    @inline(__always) func apply<T: Real>(_ w: T) -> T {
        let linear: T = T(c0) + T(c1) * w
        let parts: T = linear + T(positive) * Swift.max(w, 0) + T(negative) * Swift.min(w, 0)
        let quadratic: T = T(c2) * w
        return parts + quadratic * w
    }

    /// True for m(w) = w: the layer's own weights serve.
    var isIdentity: Bool { self == .identity }
}
