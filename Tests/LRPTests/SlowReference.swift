import LRP
import Testing

/// A reproducible random source (SplitMix64) for test data.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ count: Int, in range: ClosedRange<Double> = -1...1) -> [Double] {
        (0..<count).map { _ in Double.random(in: range, using: &self) }
    }
}

/// Slow reference implementations written straight from the formulas of shared/spec/numerics.md.
///
/// A layer is described as an explicit list of connections: for every output j (sample, position, filter)
/// the inputs i of its receptive field with their weights w_ij, and its bias b_j. Every rule is then the
/// sum over j and i of the spec's expression — no matrix products, no im2col, no shared code with the library.
enum Slow {
    struct Output {
        var inputs: [(index: Int, weight: Double)]
        var bias: Double
    }

    /// Connections of Linear(m, n) on an N×m batch.
    static func linear(batch: Int, m: Int, n: Int, weights: [Double], bias: [Double]) -> [Output] {
        var outputs: [Output] = []
        for s in 0..<batch {
            for j in 0..<n {
                outputs.append(Output(inputs: (0..<m).map { (s * m + $0, weights[$0 * n + j]) }, bias: bias[j]))
            }
        }
        return outputs
    }

    /// Connections of a convolution (hf, wf, df, nf, stride) on N×H×W×df, outputs in N×Hout×Wout×nf order.
    static func convolution(shape: [Int], hf: Int, wf: Int, nf: Int, sh: Int, sw: Int,
                            weights: [Double], bias: [Double]) -> [Output] {
        let (batch, h, w, d) = (shape[0], shape[1], shape[2], shape[3])
        let hout = (h - hf) / sh + 1, wout = (w - wf) / sw + 1
        var outputs: [Output] = []
        for s in 0..<batch {
            for oh in 0..<hout {
                for ow in 0..<wout {
                    for f in 0..<nf {
                        var inputs: [(Int, Double)] = []
                        for kh in 0..<hf {
                            for kw in 0..<wf {
                                for c in 0..<d {
                                    let i = ((s * h + oh * sh + kh) * w + ow * sw + kw) * d + c
                                    inputs.append((i, weights[((kh * wf + kw) * d + c) * nf + f]))
                                }
                            }
                        }
                        outputs.append(Output(inputs: inputs, bias: bias[f]))
                    }
                }
            }
        }
        return outputs
    }

    /// Connections of a padded (and possibly grouped) convolution: padding positions appear as input index
    /// −1 (value 0; relevance sent there is dropped). `pads` = (top, bottom, left, right); output sizes as given.
    static func paddedConvolution(shape: [Int], hf: Int, wf: Int, nf: Int, sh: Int, sw: Int, pads: (Int, Int, Int, Int),
                                  out: (Int, Int), groups: Int = 1, weights: [Double], bias: [Double]) -> [Output] {
        let (batch, h, w, d) = (shape[0], shape[1], shape[2], shape[3])
        var outputs: [Output] = []
        for s in 0..<batch {
            for oh in 0..<out.0 {
                for ow in 0..<out.1 {
                    for f in 0..<nf {
                        var inputs: [(Int, Double)] = []
                        for kh in 0..<hf {
                            for kw in 0..<wf {
                                for c in 0..<d where c / (d / groups) == f / (nf / groups) {
                                    let (ih, iw) = (oh * sh - pads.0 + kh, ow * sw - pads.2 + kw)
                                    let inside = ih >= 0 && ih < h && iw >= 0 && iw < w
                                    inputs.append((inside ? ((s * h + ih) * w + iw) * d + c : -1, weights[((kh * wf + kw) * d + c) * nf + f]))
                                }
                            }
                        }
                        outputs.append(Output(inputs: inputs, bias: bias[f]))
                    }
                }
            }
        }
        return outputs
    }

    /// Windows of a padded pool: pixels outside the input appear as −1.
    static func paddedPool(shape: [Int], ph: Int, pw: Int, sh: Int, sw: Int, pads: (Int, Int, Int, Int), out: (Int, Int)) -> [Output] {
        let (batch, h, w, d) = (shape[0], shape[1], shape[2], shape[3])
        var outputs: [Output] = []
        for s in 0..<batch {
            for oh in 0..<out.0 {
                for ow in 0..<out.1 {
                    for c in 0..<d {
                        var inputs: [(Int, Double)] = []
                        for kh in 0..<ph {
                            for kw in 0..<pw {
                                let (ih, iw) = (oh * sh - pads.0 + kh, ow * sw - pads.2 + kw)
                                let inside = ih >= 0 && ih < h && iw >= 0 && iw < w
                                inputs.append((inside ? ((s * h + ih) * w + iw) * d + c : -1, 1))
                            }
                        }
                        outputs.append(Output(inputs: inputs, bias: 0))
                    }
                }
            }
        }
        return outputs
    }

    /// x at index i, 0 for padding (−1).
    static func value(_ x: [Double], _ i: Int) -> Double { i < 0 ? 0 : x[i] }

    /// Windows of a pool on N×H×W×D, outputs in N×Hout×Wout×D order (weights 1, bias 0).
    static func pool(shape: [Int], ph: Int, pw: Int, sh: Int, sw: Int) -> [Output] {
        let (batch, h, w, d) = (shape[0], shape[1], shape[2], shape[3])
        let hout = (h - ph) / sh + 1, wout = (w - pw) / sw + 1
        var outputs: [Output] = []
        for s in 0..<batch {
            for oh in 0..<hout {
                for ow in 0..<wout {
                    for c in 0..<d {
                        var inputs: [(Int, Double)] = []
                        for kh in 0..<ph {
                            for kw in 0..<pw { inputs.append((((s * h + oh * sh + kh) * w + ow * sw + kw) * d + c, 1)) }
                        }
                        outputs.append(Output(inputs: inputs, bias: 0))
                    }
                }
            }
        }
        return outputs
    }

    static func sign(_ t: Double) -> Double { t >= 0 ? 1 : -1 }

    /// z_j = Σ_i x_i·w_ij + b_j.
    static func forward(_ outputs: [Output], x: [Double]) -> [Double] {
        outputs.map { o in o.inputs.reduce(o.bias) { $0 + value(x, $1.index) * $1.weight } }
    }

    /// Relevance of a Linear/Convolution layer, from the table of numerics.md.
    static func affineRelevance(_ outputs: [Output], x: [Double], r: [Double], rule: Rule,
                                low: (Int) -> Double = { _ in 0 }, high: (Int) -> Double = { _ in 0 }) -> [Double] {
        var result = [Double](repeating: 0, count: x.count)
        for (j, o) in outputs.enumerated() {
            let z = o.inputs.map { value(x, $0.index) * $0.weight }
            switch rule {
            case .simple, .epsilon:
                let eps: Double
                if case .epsilon(let e) = rule { eps = e } else { eps = 1e-16 }
                let zj = z.reduce(0, +) + o.bias
                for (k, c) in o.inputs.enumerated() { result[safe: c.index] += z[k] * r[j] / (zj + eps * sign(zj)) }
            case .alphabeta(let alpha):
                let beta = 1 - alpha
                let zPlus = z.map { max($0, 0) }, zMinus = z.map { min($0, 0) }
                let sumPlus = zPlus.reduce(0, +) + max(o.bias, 0)
                let sumMinus = zMinus.reduce(0, +) + min(o.bias, 0)
                for (k, c) in o.inputs.enumerated() {
                    var share = 0.0
                    if alpha != 0 { share += alpha * zPlus[k] / (sumPlus + 1e-16) }
                    if beta != 0 { share += beta * zMinus[k] / (sumMinus - 1e-16) }
                    result[safe: c.index] += share * r[j]
                }
            case .ww:
                let total = o.inputs.reduce(0) { $0 + $1.weight * $1.weight }
                for c in o.inputs where total != 0 { result[safe: c.index] += c.weight * c.weight / total * r[j] }
            case .flat:
                for c in o.inputs { result[safe: c.index] += r[j] / Double(o.inputs.count) }
            default:
                newRule(o, x: x, r: r[j], rule: rule, low: low, high: high, into: &result)
            }
        }
        return result
    }

    /// stab(d) = d + ε·sign(d), sign(0) = +1 (rules.md).
    static func stab(_ d: Double, _ eps: Double) -> Double { d + (d >= 0 ? eps : -eps) }

    /// The rules of rules.md for one output with connections `o` and relevance `rj`, added into `result`.
    /// `low`/`high` give zᴮ's bound for an input index. Padding connections (−1) read 0 and take nothing.
    static func newRule(_ o: Output, x: [Double], r rj: Double, rule: Rule, low: (Int) -> Double, high: (Int) -> Double,
                        into result: inout [Double]) {
        let inside = o.inputs.filter { $0.index >= 0 }
        let xs = inside.map { x[$0.index] }, ws = inside.map(\.weight)
        let b = o.bias
        func plus(_ v: Double) -> Double { max(v, 0) }
        func minus(_ v: Double) -> Double { min(v, 0) }
        switch rule {
        case .norm(let eps):
            let z = zip(xs, ws).reduce(b) { $0 + $1.0 * $1.1 }
            for (k, c) in inside.enumerated() { result[c.index] += xs[k] * ws[k] * rj / stab(z, eps) }
        case .zplus(let eps):
            let zp = zip(xs, ws).reduce(plus(b)) { $0 + plus($1.0) * plus($1.1) + minus($1.0) * minus($1.1) }
            for (k, c) in inside.enumerated() { result[c.index] += (plus(xs[k]) * plus(ws[k]) + minus(xs[k]) * minus(ws[k])) * rj / stab(zp, eps) }
        case .alphaBeta(let alpha, let beta, let eps):
            let p = zip(xs, ws).reduce(plus(b)) { $0 + plus($1.0) * plus($1.1) + minus($1.0) * minus($1.1) }
            let n = zip(xs, ws).reduce(minus(b)) { $0 + plus($1.0) * minus($1.1) + minus($1.0) * plus($1.1) }
            for (k, c) in inside.enumerated() {
                let pos = plus(xs[k]) * plus(ws[k]) + minus(xs[k]) * minus(ws[k])
                let neg = plus(xs[k]) * minus(ws[k]) + minus(xs[k]) * plus(ws[k])
                result[c.index] += (alpha * pos / stab(p, eps) - beta * neg / stab(n, eps)) * rj
            }
        case .gamma(let g, let eps):
            let up = ws.map { $0 + g * plus($0) }, down = ws.map { $0 + g * minus($0) }
            let z = zip(xs, ws).reduce(b) { $0 + $1.0 * $1.1 }
            let p = xs.indices.reduce(b + g * plus(b)) { $0 + up[$1] * plus(xs[$1]) + down[$1] * minus(xs[$1]) }
            let n = xs.indices.reduce(b + g * minus(b)) { $0 + down[$1] * plus(xs[$1]) + up[$1] * minus(xs[$1]) }
            let sp = z > 0 ? rj / stab(p, eps) : 0, sn = z < 0 ? rj / stab(n, eps) : 0
            for (k, c) in inside.enumerated() {
                result[c.index] += plus(xs[k]) * (up[k] * sp + down[k] * sn) + minus(xs[k]) * (down[k] * sp + up[k] * sn)
            }
        case .zBox(let box):
            let ls = inside.map { low($0.index) }, hs = inside.map { high($0.index) }
            let terms = xs.indices.map { xs[$0] * ws[$0] - ls[$0] * plus(ws[$0]) - hs[$0] * minus(ws[$0]) }
            let d = terms.reduce(0, +)
            for (k, c) in inside.enumerated() { result[c.index] += terms[k] * rj / stab(d, box.epsilon) }
        case .flatStabilized(let eps):
            for c in inside { result[c.index] += rj / stab(Double(inside.count), eps) }
        case .wSquareStabilized(let eps):
            let d = ws.reduce(b * b) { $0 + $1 * $1 }
            for (k, c) in inside.enumerated() { result[c.index] += ws[k] * ws[k] * rj / stab(d, eps) }
        case .unified(let u):
            let a = xs.map { u.theta0 + u.theta1 * $0 }
            let f = ws.map { u.gamma0 + u.gamma1 * $0 + u.gamma1p * plus($0) + u.gamma1n * minus($0) + u.gamma2 * $0 * $0 }
            let g = ws.map { u.gamma0 + u.gamma1 * $0 + u.gamma1n * plus($0) + u.gamma1p * minus($0) + u.gamma2 * $0 * $0 }
            let df = a.indices.reduce(0.0) { $0 + a[$1] * f[$1] }, dg = a.indices.reduce(0.0) { $0 + a[$1] * g[$1] }
            func share(_ numerator: Double, _ d: Double) -> Double { u.epsilon == 0 && d == 0 ? 0 : numerator / stab(d, u.epsilon) }
            for (k, c) in inside.enumerated() {
                result[c.index] += (u.alpha * share(a[k] * f[k], df) - u.beta * share(a[k] * g[k], dg)) * rj
            }
        default:
            Issue.record("Slow.newRule does not define \(rule)")
        }
    }

    /// SumPool: Y = window sum / sqrt(ph·pw).
    static func sumPoolForward(_ windows: [Output], x: [Double], poolSize: Int) -> [Double] {
        windows.map { o in o.inputs.reduce(0) { $0 + value(x, $1.index) } / Double(poolSize).squareRoot() }
    }

    /// SumPool relevance (numerics.md's pooling table), s_j the plain window sum.
    static func sumPoolRelevance(_ windows: [Output], x: [Double], r: [Double], rule: Rule) -> [Double] {
        var result = [Double](repeating: 0, count: x.count)
        for (j, o) in windows.enumerated() {
            let xs = o.inputs.map { value(x, $0.index) }
            switch rule {
            case .simple, .epsilon:
                let eps: Double
                if case .epsilon(let e) = rule { eps = e } else { eps = 1e-12 }
                let s = xs.reduce(0, +)
                for (k, c) in o.inputs.enumerated() { result[safe: c.index] += xs[k] * r[j] / (s + eps * sign(s)) }
            case .alphabeta(let alpha):
                let beta = 1 - alpha
                let plus = xs.map { max($0, 0) }.reduce(0, +), minus = xs.map { min($0, 0) }.reduce(0, +)
                for (k, c) in o.inputs.enumerated() {
                    var share = 0.0
                    if alpha != 0 { share += alpha * max(xs[k], 0) / (plus + 1e-16) }
                    if beta != 0 { share += beta * min(xs[k], 0) / (minus - 1e-16) }
                    result[safe: c.index] += share * r[j]
                }
            case .ww, .flat:
                for c in o.inputs { result[safe: c.index] += r[j] / Double(o.inputs.count) }
            default:
                Issue.record("the toolbox's SumPool has no \(rule) rule")
            }
        }
        return result
    }

    /// MaxPool: Y = window maximum.
    static func maxPoolForward(_ windows: [Output], x: [Double]) -> [Double] {
        windows.map { o in o.inputs.filter { $0.index >= 0 }.map { x[$0.index] }.max() ?? 0 }
    }

    /// MaxPool relevance: to the maxima (ties split equally), or uniform for ww and flat.
    static func maxPoolRelevance(_ windows: [Output], x: [Double], r: [Double], rule: Rule) -> [Double] {
        var result = [Double](repeating: 0, count: x.count)
        for (j, o) in windows.enumerated() {
            switch rule {
            case .ww, .flat:
                for c in o.inputs { result[safe: c.index] += r[j] / Double(o.inputs.count) }
            default:
                let inside = o.inputs.filter { $0.index >= 0 }
                let maximum = inside.map { x[$0.index] }.max() ?? 0
                let winners = inside.filter { x[$0.index] == maximum }
                for c in winners { result[safe: c.index] += r[j] / Double(winners.count) }
            }
        }
        return result
    }
}

extension Array where Element == Double {
    /// Element i; writes to index −1 (padding) go nowhere.
    subscript(safe i: Int) -> Double {
        get { i >= 0 ? self[i] : 0 }
        set { if i >= 0 { self[i] = newValue } }
    }
}
