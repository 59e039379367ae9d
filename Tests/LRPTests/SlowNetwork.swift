import Glibc
import LRP

/// A whole model — chain or graph — recomputed from the formulas, node by node: each node's header line and
/// parameters become explicit connections (`Slow.Output`) or index maps, and forward values and relevance
/// are the plain sums of numerics.md and the layer docs. Window geometry ('same' as Keras computes it,
/// Caffe's rounding up) is worked out here on its own, not taken from the library.
struct SlowNetwork {
    /// What one node computes, on the concatenation of its inputs' values.
    enum Kind {
        /// Linear, Convolution, BatchNorm, Add: z_j = Σ_i x_i·w_ij + b_j.
        case affine([Slow.Output])
        /// AvgPool, GlobalAvgPool: window sums divided by each window's divisor; relevance as SumPool.
        case average([Slow.Output], divisors: [Double])
        /// MaxPool.
        case maximum([Slow.Output])
        /// Flatten, Reshape, Pad, Concatenate: output j copies input map[j] (−1: zero padding).
        case gather([Int])
        /// Rect, Tanh, Sigmoid, LRN, SoftMax: forward as given, relevance passed through.
        case elementwise(([Double], [Int]) -> [Double])
    }

    let model: any Network
    /// The input of the last forward pass and every node's output values and shape.
    private(set) var input: [Double] = []
    private(set) var inputShape: [Int] = []
    private(set) var values: [[Double]] = []
    private(set) var shapes: [[Int]] = []
    private var kinds: [Kind] = []

    init(_ model: any Network) { self.model = model }

    /// The connections of node `i` for inputs of `shapes` (batch first).
    static func kind(header: String, parameters: [Tensor], shapes: [[Int]]) throws -> (Kind, [Int]) {
        let spec = try LayerSpec(header: header)
        let ints = spec.arguments.compactMap { Int($0) }
        let option = { (key: String) in spec.options.first(where: { $0.key == key })?.value }
        let s = shapes[0]
        switch spec.name {
        case "Linear":
            let outputs = Slow.linear(batch: s[0], m: ints[0], n: ints[1], weights: parameters[0].data, bias: parameters[1].data)
            return (.affine(outputs), [s[0], ints[1]])
        case "Convolution":
            let g = windows(s, k: (ints[0], ints[1]), stride: (ints[4], ints[5]), pad: option("pad"), roundUp: option("round") == "up")
            let outputs = Slow.paddedConvolution(shape: s, hf: ints[0], wf: ints[1], nf: ints[3], sh: ints[4], sw: ints[5],
                                                 pads: g.pads, out: g.out, groups: Int(option("groups") ?? "1") ?? 1,
                                                 weights: parameters[0].data, bias: parameters[1].data)
            return (.affine(outputs), [s[0], g.out.0, g.out.1, ints[3]])
        case "BatchNorm":
            let c = ints[0], scale = parameters[0].data, shift = parameters[1].data
            let count = s.reduce(1, *)
            return (.affine((0..<count).map { Slow.Output(inputs: [($0, scale[$0 % c])], bias: shift[$0 % c]) }), s)
        case "Add":
            let count = s.reduce(1, *)
            return (.affine((0..<count).map { j in Slow.Output(inputs: (0..<shapes.count).map { (k: Int) in (k * count + j, 1.0) }, bias: 0) }), s)
        case "SumPool", "AvgPool", "MaxPool", "GlobalAvgPool":
            let global = spec.name == "GlobalAvgPool"
            let (k, st) = global ? ((s[1], s[2]), (1, 1)) : ((ints[0], ints[1]), (ints[2], ints[3]))
            let g = windows(s, k: k, stride: st, pad: option("pad"), roundUp: option("round") == "up")
            var outputs: [Slow.Output] = [], divisors: [Double] = []
            for n in 0..<s[0] {
                for oh in 0..<g.out.0 {
                    for ow in 0..<g.out.1 {
                        for c in 0..<s[3] {
                            var inputs: [(index: Int, weight: Double)] = []
                            var inside = 0, padded = 0
                            for kh in 0..<k.0 {
                                for kw in 0..<k.1 {
                                    let (ih, iw) = (oh * st.0 - g.pads.0 + kh, ow * st.1 - g.pads.2 + kw)
                                    let isInside = ih >= 0 && ih < s[1] && iw >= 0 && iw < s[2]
                                    if isInside { inside += 1 }
                                    if ih < s[1] + g.pads.1, iw < s[2] + g.pads.3 { padded += 1 }
                                    inputs.append((isInside ? ((n * s[1] + ih) * s[2] + iw) * s[3] + c : -1, 1))
                                }
                            }
                            outputs.append(Slow.Output(inputs: inputs, bias: 0))
                            switch option("divisor") ?? "window" {
                            case "inside": divisors.append(Double(inside))
                            case "padded": divisors.append(Double(padded))
                            default: divisors.append(spec.name == "SumPool" ? Double(k.0 * k.1).squareRoot() : Double(k.0 * k.1))
                            }
                        }
                    }
                }
            }
            let shape = global ? [s[0], s[3]] : [s[0], g.out.0, g.out.1, s[3]]
            return (spec.name == "MaxPool" ? .maximum(outputs) : .average(outputs, divisors: divisors), shape)
        case "Flatten":
            let count = s.reduce(1, *)
            return (.gather(Array(0..<count)), [s[0], count / s[0]])
        case "Reshape":
            return (.gather(Array(0..<s.reduce(1, *))), [s[0]] + ints)
        case "Pad":
            let (t, b, l, r) = (ints[0], ints[1], ints[2], ints[3])
            let (h, w, c) = (s[1] + t + b, s[2] + l + r, s[3])
            var map: [Int] = []
            for n in 0..<s[0] {
                for y in 0..<h {
                    for x in 0..<w {
                        for ch in 0..<c {
                            let (iy, ix) = (y - t, x - l)
                            map.append(iy >= 0 && iy < s[1] && ix >= 0 && ix < s[2] ? ((n * s[1] + iy) * s[2] + ix) * c + ch : -1)
                        }
                    }
                }
            }
            return (.gather(map), [s[0], h, w, c])
        case "Concatenate":
            let widths = shapes.map { $0[$0.count - 1] }, total = widths.reduce(0, +)
            let rows = s.reduce(1, *) / widths[0]
            let offsets = shapes.indices.map { k in shapes[0..<k].reduce(0) { $0 + $1.reduce(1, *) } }
            var map: [Int] = []
            for row in 0..<rows {
                for (k, width) in widths.enumerated() {
                    for c in 0..<width { map.append(offsets[k] + row * width + c) }
                }
            }
            return (.gather(map), Array(s.dropLast()) + [total])
        case "Rect": return (.elementwise({ x, _ in x.map { max($0, 0) } }), s)
        case "Tanh": return (.elementwise({ x, _ in x.map { tanh($0) } }), s)
        case "Sigmoid": return (.elementwise({ x, _ in x.map { 1 / (1 + exp(-$0)) } }), s)
        case "SoftMax":
            return (.elementwise({ x, shape in
                let d = shape[1]
                return (0..<shape[0]).flatMap { n -> [Double] in
                    let row = x[(n * d)..<((n + 1) * d)], m = row.max() ?? 0
                    let e = row.map { exp($0 - m) }, total = e.reduce(0, +)
                    return e.map { $0 / total }
                }
            }), s)
        case "LRN":
            let size = ints[0], reals = spec.arguments.dropFirst().compactMap { Double($0) }
            let (alpha, beta, k) = (reals[0], reals[1], reals[2])
            return (.elementwise({ x, shape in
                let c = shape[shape.count - 1], half = (size - 1) / 2
                return x.indices.map { i in
                    let ch = i % c, base = i - ch
                    let total = (max(0, ch - half)...min(c - 1, ch + half)).reduce(0.0) { $0 + x[base + $1] * x[base + $1] }
                    return x[i] * pow(k + alpha / Double(size) * total, -beta)
                }
            }), s)
        default:
            throw LRPError.unsupported("SlowNetwork does not know \(spec.name)")
        }
    }

    /// Output sizes and (top, bottom, left, right) padding of a window over N×H×W×C, per Keras and Caffe.
    static func windows(_ s: [Int], k: (Int, Int), stride: (Int, Int), pad: String?, roundUp: Bool) -> (out: (Int, Int), pads: (Int, Int, Int, Int)) {
        func along(_ size: Int, _ k: Int, _ st: Int, _ before: Int, _ after: Int, same: Bool) -> (Int, Int, Int) {
            if same {
                let out = Int((Double(size) / Double(st)).rounded(.up))
                let total = max((out - 1) * st + k - size, 0)
                return (out, total / 2, total - total / 2)
            }
            let span = Double(size + before + after - k) / Double(st)
            var out = Int(roundUp ? span.rounded(.up) : span.rounded(.down)) + 1
            if roundUp, before > 0, (out - 1) * st >= size + before { out -= 1 }
            return (out, before, after)
        }
        var explicit = (0, 0, 0, 0)
        if let pad, pad != "same", pad != "valid" {
            let p = pad.split(separator: ",").compactMap { Int($0) }
            explicit = (p[0], p[1], p[2], p[3])
        }
        let v = along(s[1], k.0, stride.0, explicit.0, explicit.1, same: pad == "same")
        let h = along(s[2], k.1, stride.1, explicit.2, explicit.3, same: pad == "same")
        return ((v.0, h.0), (v.1, v.2, h.1, h.2))
    }

    /// The forward pass; every node's values and shape are kept.
    mutating func forward(_ x: Tensor) throws -> [Double] {
        (input, inputShape) = (x.data, x.shape)
        (values, shapes, kinds) = ([], [], [])
        for i in 0..<model.layerCount {
            let sources = model.inputs(of: i)
            let inShapes = sources.map { $0 == -1 ? inputShape : shapes[$0] }
            let xs = sources.flatMap { $0 == -1 ? input : values[$0] }
            let (kind, shape) = try Self.kind(header: model.header(of: i), parameters: model.parameters(of: i), shapes: inShapes)
            let y: [Double]
            switch kind {
            case .affine(let outputs): y = Slow.forward(outputs, x: xs)
            case .average(let windows, let divisors):
                y = windows.enumerated().map { j, o in o.inputs.reduce(0) { $0 + Slow.value(xs, $1.index) } / divisors[j] }
            case .maximum(let windows): y = Slow.maxPoolForward(windows, x: xs)
            case .gather(let map): y = map.map { Slow.value(xs, $0) }
            case .elementwise(let f): y = f(xs, inShapes[0])
            }
            kinds.append(kind)
            values.append(y)
            shapes.append(shape)
        }
        return values[model.outputIndex]
    }

    /// The relevance of the input for relevance `r` at the output, every node with `rule` (after forward).
    func relevance(_ r: [Double], rule: Rule) -> [Double] {
        var pending = [[Double]?](repeating: nil, count: model.layerCount)
        var atInput = [Double](repeating: 0, count: input.count)
        pending[model.outputIndex] = r
        for i in (0..<model.layerCount).reversed() {
            guard let ri = pending[i] else { continue }
            let sources = model.inputs(of: i)
            let xs = sources.flatMap { $0 == -1 ? input : values[$0] }
            var rx: [Double]
            switch kinds[i] {
            case .affine(let outputs): rx = Slow.affineRelevance(outputs, x: xs, r: ri, rule: rule)
            case .average(let windows, _): rx = Slow.sumPoolRelevance(windows, x: xs, r: ri, rule: rule)
            case .maximum(let windows): rx = Slow.maxPoolRelevance(windows, x: xs, r: ri, rule: rule)
            case .gather(let map):
                rx = [Double](repeating: 0, count: xs.count)
                for (j, source) in map.enumerated() where source >= 0 { rx[source] += ri[j] }
            case .elementwise: rx = ri
            }
            var offset = 0
            for source in sources {
                let count = source == -1 ? input.count : values[source].count
                let part = Array(rx[offset..<(offset + count)])
                offset += count
                if source == -1 {
                    for k in part.indices { atInput[k] += part[k] }
                } else {
                    pending[source] = zip(pending[source] ?? Array(repeating: 0, count: count), part).map { $0 + $1 }
                }
            }
        }
        return atInput
    }
}
