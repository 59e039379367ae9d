/// Turns a Caffe net definition (`.prototxt`, new `layer` or V1 `layers` format) and its trained weights into
/// our layers. Caffe computes on N×C×H×W blobs; our inputs stay N×H×W×C, and the weights are rearranged so
/// that every output equals Caffe's:
///
/// | Caffe                                   | liblrp                                                        |
/// |-----------------------------------------|---------------------------------------------------------------|
/// | Input, input_dim/input_shape, MemoryData, DummyData | the model input (shape C×H×W → H×W×C)            |
/// | Convolution (pad, stride, group, bias_term) | Convolution, weights out×in×kh×kw → kh×kw×in×out          |
/// | Pooling MAX / AVE (ceil rounding, global)   | MaxPool / AvgPool with divisor 'padded', round=up         |
/// | InnerProduct                            | (Flatten +) Linear, rows permuted from C,H,W to our H,W,C order |
/// | ReLU, TanH, Sigmoid, Softmax            | Rect, Tanh, Sigmoid, SoftMax                                  |
/// | LRN (across channels)                   | LRN                                                           |
/// | BatchNorm (+ Scale)                     | BatchNorm (merged into a preceding Convolution/InnerProduct by default) |
/// | Flatten, Concat (channels), Eltwise SUM | Flatten, Concatenate, Add                                     |
/// | Dropout, Split, Silence                 | nothing                                                       |
///
/// A flattened feature map keeps Caffe's C,H,W order in mind: an InnerProduct reading it gets its weight
/// rows permuted, whether it flattens implicitly or after an explicit Flatten/Concat.
struct CaffeImporter {
    private var assembler = ModelAssembler()
    private let weights: CaffeWeights
    /// For flattened tensors whose order differs from Caffe's: how our positions map to Caffe's.
    private var caffeOrder: [String: CaffeOrder] = [:]
    /// The top of the last layer, the net's output.
    private var lastTop: String?

    private init(weights: CaffeWeights) { self.weights = weights }

    /// The model for a parsed prototxt and its weights.
    static func build(_ net: ProtoText, weights: CaffeWeights, options: ImportOptions) throws -> any Network {
        var importer = CaffeImporter(weights: weights)
        try importer.netInput(net)
        let layers = try net.messages("layer") + net.messages("layers")
        guard !layers.isEmpty else { throw LRPError.format("the prototxt has no layers") }
        var i = 0
        while i < layers.count {
            let layer = try CaffeLayer(layers[i])
            defer { i += 1 }
            guard layer.inTestPhase else { continue }
            var next: CaffeLayer?
            if i + 1 < layers.count { next = try? CaffeLayer(layers[i + 1]) }
            // Caffe's BatchNorm is normalization only; a Scale right after it supplies γ and β.
            if layer.type == "BatchNorm", let scale = next, scale.type == "Scale", scale.bottoms == layer.tops, scale.inTestPhase {
                try withContext(layer.context) { try importer.batchNorm(layer, scale: scale) }
                i += 1
                continue
            }
            try withContext(layer.context) { try importer.add(layer) }
        }
        guard let output = importer.lastTop else { throw LRPError.format("the prototxt has no layers that compute anything") }
        if importer.caffeOrder[output] != nil {
            throw LRPError.unsupported("the net's output '\(output)' is a flattened feature map, whose order differs between Caffe (C,H,W) and liblrp (H,W,C)")
        }
        return try importer.assembler.finish(output: output, options: options)
    }

    // MARK: Input

    /// The input shape C×H×W (or D) of a batch shape N×C×H×W as our H×W×C (or D).
    private static func sampleShape(_ dims: [Int], line: Int) throws -> [Int] {
        guard dims.count >= 2, dims.allSatisfy({ $0 >= 1 }) else {
            throw LRPError.format("line \(line): input shape \(dims) must have a batch size and sizes ≥ 1")
        }
        switch dims.count {
        case 2: return [dims[1]]
        case 4: return [dims[2], dims[3], dims[1]]
        default: throw LRPError.unsupported("line \(line): inputs of rank \(dims.count) are not supported (N×C×H×W or N×D)")
        }
    }

    /// The net-level input (`input:` with `input_dim` or `input_shape`), if any.
    private mutating func netInput(_ net: ProtoText) throws {
        guard let name = try net.string("input") else { return }
        var dims = try net.integers("input_dim")
        if dims.isEmpty, let shape = try net.message("input_shape") { dims = try shape.integers("dim") }
        try assembler.setInput(name, shape: try Self.sampleShape(dims, line: net.line))
    }

    // MARK: Layers

    private mutating func add(_ layer: CaffeLayer) throws {
        switch layer.type {
        case "Input":
            guard let shape = try layer.parameters("input_param")?.message("shape") else { throw LRPError.format("Input has no input_param { shape { dim … } }") }
            try assembler.setInput(try layer.top(), shape: try Self.sampleShape(try shape.integers("dim"), line: shape.line))
            return
        case "MemoryData":
            let p = try layer.parameters("memory_data_param")
            let dims = try ["batch_size", "channels", "height", "width"].map { try p?.integer($0, default: 1) ?? 1 }
            try assembler.setInput(try layer.top(), shape: try Self.sampleShape(dims, line: layer.line))
            return
        case "DummyData":
            guard let shape = try layer.parameters("dummy_data_param")?.message("shape") else {
                throw LRPError.format("DummyData has no dummy_data_param { shape { dim … } }")
            }
            try assembler.setInput(try layer.top(), shape: try Self.sampleShape(try shape.integers("dim"), line: shape.line))
            return
        case "Data", "ImageData", "HDF5Data", "WindowData", "Python":
            throw LRPError.unsupported("\(layer.type) layers read their input from elsewhere, so its shape is unknown; use the deploy prototxt (with an Input layer or input_dim)")
        case "Silence":
            return
        default: break
        }
        guard assembler.hasInput else { throw LRPError.format("comes before the net's input is declared") }
        switch layer.type {
        case "Concat": return try concat(layer)
        case "Eltwise": return try eltwise(layer)
        default: break
        }
        let source = try layer.bottom()
        switch layer.type {
        case "Convolution": try addNode(layer, try convolution(layer, input: source), from: source)
        case "Pooling": try addNode(layer, try pooling(layer, input: source), from: source)
        case "InnerProduct": try innerProduct(layer, input: source)
        case "ReLU":
            let slope = try layer.parameters("relu_param")?.number("negative_slope", default: 0) ?? 0
            guard slope == 0 else { throw LRPError.unsupported("negative_slope \(slope) (leaky ReLU) is not supported") }
            try addNode(layer, Rect(), from: source, keepsOrder: true)
        case "TanH": try addNode(layer, Tanh(), from: source, keepsOrder: true)
        case "Sigmoid": try addNode(layer, Sigmoid(), from: source, keepsOrder: true)
        case "Softmax": try softmax(layer, input: source)
        case "LRN": try addNode(layer, try lrn(layer), from: source)
        case "Dropout":
            try assembler.alias(try layer.top(), to: source)
            caffeOrder[try layer.top()] = caffeOrder[source]
            lastTop = try layer.top()
        case "Split":
            for top in layer.tops {
                try assembler.alias(top, to: source)
                caffeOrder[top] = caffeOrder[source]
            }
            lastTop = layer.tops.last
        case "Flatten": try flatten(layer, input: source)
        case "BatchNorm": try batchNorm(layer, scale: nil)
        case "Scale": try scaleAlone(layer, input: source)
        default:
            throw LRPError.unsupported("the layer type \(layer.type) is not supported")
        }
    }

    /// Adds a single-input node named after the layer whose output is the layer's top.
    private mutating func addNode(_ layer: CaffeLayer, _ made: any Layer, from source: String, keepsOrder: Bool = false) throws {
        let top = try layer.top()
        let order = keepsOrder ? caffeOrder[source] : nil
        try assembler.add(layer.name, .layer(made), inputs: [source], output: top)
        caffeOrder[top] = order
        lastTop = top
    }

    /// A (height, width) pair from `name` (one or two repeated values) or `<base>_h`/`<base>_w` (Caffe's
    /// kernel_size / kernel_h, stride / stride_h, pad / pad_h).
    private static func pair(_ p: ProtoText, _ name: String, default fallback: Int?) throws -> (Int, Int) {
        let values = try p.integers(name)
        let base = name == "kernel_size" ? "kernel" : name
        if p.has(base + "_h") || p.has(base + "_w") {
            guard values.isEmpty else { throw LRPError.format("gives both \(name) and \(base)_h/\(base)_w") }
            let h = try p.integer(base + "_h", default: fallback ?? -1), w = try p.integer(base + "_w", default: fallback ?? -1)
            guard h >= 0, w >= 0 else { throw LRPError.format("needs both \(base)_h and \(base)_w") }
            return (h, w)
        }
        switch values.count {
        case 0:
            guard let fallback else { throw LRPError.format("has no \(name)") }
            return (fallback, fallback)
        case 1: return (values[0], values[0])
        case 2: return (values[0], values[1])
        default: throw LRPError.unsupported("\(name) with \(values.count) values (2-D only)")
        }
    }

    private func spatialInput(_ source: String) throws -> (h: Int, w: Int, c: Int) {
        let shape = try assembler.requireShape(of: source, for: "this layer")
        guard shape.count == 3 else { throw LRPError.shape("needs a C×H×W input, got \(shape.count == 1 ? "a vector of \(shape[0])" : Shape.describe(shape))") }
        return (shape[0], shape[1], shape[2])
    }

    private func convolution(_ layer: CaffeLayer, input source: String) throws -> any Layer {
        guard let p = try layer.parameters("convolution_param") else { throw LRPError.format("has no convolution_param") }
        guard let filters = try p.integers("num_output").last, filters >= 1 else { throw LRPError.format("needs num_output ≥ 1") }
        let (kh, kw) = try Self.pair(p, "kernel_size", default: nil)
        let (sh, sw) = try Self.pair(p, "stride", default: 1)
        let (ph, pw) = try Self.pair(p, "pad", default: 0)
        for d in try p.integers("dilation") where d != 1 { throw LRPError.unsupported("dilation \(d) is not supported (1 only)") }
        guard try p.integer("axis", default: 1) == 1 else { throw LRPError.unsupported("convolution along an axis other than 1") }
        let groups = try p.integer("group", default: 1)
        let biasTerm = try p.bool("bias_term", default: true)
        let (_, _, channels) = try spatialInput(source)
        guard groups >= 1, channels % groups == 0, filters % groups == 0 else {
            throw LRPError.shape("group \(groups) must divide the \(channels) input channels and \(filters) outputs")
        }
        let perGroupIn = channels / groups, perGroupOut = filters / groups
        // The arrays are checked against the prototxt before anything the prototxt sizes is allocated.
        let kernel: Tensor, biasArray: Tensor?
        switch weights.layout {
        case .caffe:
            let blobs = try requireBlobs(layer, count: biasTerm ? 2 : 1)
            (kernel, biasArray) = (blobs[0], biasTerm ? blobs[1] : nil)
            try Self.expect(kernel, count: try Shape.count([filters, perGroupIn, kh, kw]), "weights", "\(filters)×\(perGroupIn)×\(kh)×\(kw)")
        case .caffeTensorflow:
            let arrays = try requireArrays(layer, ["weights"] + (biasTerm ? ["biases"] : []))
            guard let w = arrays["weights"] else { throw LRPError.format("no weights") }
            (kernel, biasArray) = (w, biasTerm ? arrays["biases"] : nil)
            try Self.expect(kernel, count: try Shape.count([kh, kw, perGroupIn, filters]), "weights", "\(kh)×\(kw)×\(perGroupIn)×\(filters)")
        }
        if let biasArray { try Self.expect(biasArray, count: filters, "bias", "\(filters)") }
        var full = [Double](repeating: 0, count: kh * kw * channels * filters)
        let w = kernel.data
        for o in 0..<filters {
            let g = o / perGroupOut
            for i in 0..<perGroupIn {
                for y in 0..<kh {
                    for x in 0..<kw {
                        let source = weights.layout == .caffe ? ((o * perGroupIn + i) * kh + y) * kw + x : ((y * kw + x) * perGroupIn + i) * filters + o
                        full[((y * kw + x) * channels + g * perGroupIn + i) * filters + o] = w[source]
                    }
                }
            }
        }
        let bias = biasArray?.data ?? [Double](repeating: 0, count: filters)
        let placement = WindowPlacement(padding: .explicit(top: ph, bottom: ph, left: pw, right: pw))
        return try Convolution(filterHeight: kh, filterWidth: kw, inputChannels: channels, filters: filters,
                               strideHeight: sh, strideWidth: sw, weights: full, bias: bias, placement: placement, groups: groups)
    }

    private func pooling(_ layer: CaffeLayer, input source: String) throws -> any Layer {
        let p = try layer.parameters("pooling_param") ?? ProtoText(fields: [], line: layer.line)
        let method = try p.string("pool") ?? "MAX"
        let (h, w, _) = try spatialInput(source)
        var (kh, kw) = (0, 0), (sh, sw) = (1, 1), (ph, pw) = (0, 0)
        if try p.bool("global_pooling", default: false) {
            (kh, kw) = (h, w)
        } else {
            (kh, kw) = try Self.pair(p, "kernel_size", default: nil)
            (sh, sw) = try Self.pair(p, "stride", default: 1)
            (ph, pw) = try Self.pair(p, "pad", default: 0)
        }
        guard kh >= 1, kw >= 1, sh >= 1, sw >= 1, ph >= 0, pw >= 0 else {
            throw LRPError.format("pooling needs kernel and stride ≥ 1 and pad ≥ 0, got kernel \(kh)×\(kw), stride \(sh)×\(sw), pad \(ph)×\(pw)")
        }
        let roundMode = try p.string("round_mode") ?? "CEIL"
        guard roundMode == "CEIL" || roundMode == "FLOOR" || roundMode == "0" || roundMode == "1" else {
            throw LRPError.format("round_mode must be CEIL or FLOOR, got \(roundMode)")
        }
        // Where the windows tile the input exactly, rounding and clipping change nothing: plain pools.
        let exact = ph == 0 && pw == 0 && h >= kh && w >= kw && (h - kh) % sh == 0 && (w - kw) % sw == 0
        let placement = WindowPlacement(padding: .explicit(top: ph, bottom: ph, left: pw, right: pw),
                                        roundUp: !exact && (roundMode == "CEIL" || roundMode == "0"))
        switch method {
        case "MAX", "0": return try MaxPool(pool: (kh, kw), stride: (sh, sw), placement: placement)
        case "AVE", "1": return try AvgPool(pool: (kh, kw), stride: (sh, sw), placement: placement, divisor: exact ? .window : .padded)
        default: throw LRPError.unsupported("pool \(method) is not supported (MAX and AVE are)")
        }
    }

    private mutating func innerProduct(_ layer: CaffeLayer, input source: String) throws {
        let p = try layer.parameters("inner_product_param") ?? ProtoText(fields: [], line: layer.line)
        guard let outputs = try p.integers("num_output").last, outputs >= 1 else { throw LRPError.format("needs num_output ≥ 1") }
        guard try p.integer("axis", default: 1) == 1 else { throw LRPError.unsupported("inner products along an axis other than 1") }
        let biasTerm = try p.bool("bias_term", default: true)
        let transpose = try p.bool("transpose", default: false)
        let shape = try assembler.requireShape(of: source, for: "InnerProduct")
        guard shape.count == 3 || shape.count == 1 else {
            throw LRPError.shape("needs a C×H×W or flat input, got \(Shape.describe(shape))")
        }
        let inputs = try Shape.count(shape)
        // The arrays are checked against the prototxt before anything the prototxt sizes is allocated.
        let kernel: Tensor, biasArray: Tensor?
        switch weights.layout {
        case .caffe:
            let blobs = try requireBlobs(layer, count: biasTerm ? 2 : 1)
            (kernel, biasArray) = (blobs[0], biasTerm ? blobs[1] : nil)
        case .caffeTensorflow:
            let arrays = try requireArrays(layer, ["weights"] + (biasTerm ? ["biases"] : []))
            guard let w = arrays["weights"] else { throw LRPError.format("no weights") }
            (kernel, biasArray) = (w, biasTerm ? arrays["biases"] : nil)
        }
        let stored = weights.layout == .caffe && !transpose ? "\(outputs)×\(inputs)" : "\(inputs)×\(outputs)"
        try Self.expect(kernel, count: try Shape.count([inputs, outputs]), "weights", stored)
        if let biasArray { try Self.expect(biasArray, count: outputs, "bias", "\(outputs)") }
        // Caffe flattens C,H,W; we flatten H,W,C. order[k] = Caffe's index of our input k.
        var order: [Int]? = caffeOrder[source]?.indices()
        var flatSource = source
        let spatial = shape.count == 3 && shape[0] * shape[1] > 1
        if shape.count == 3 {
            let (h, w, c) = (shape[0], shape[1], shape[2])
            order = spatial ? (0..<inputs).map { k in (k % c) * h * w + k / c } : nil
            flatSource = layer.name + "/flatten"
            try assembler.add(flatSource, .layer(Flatten()), inputs: [source])
        }
        // caffe-tensorflow already stores in×out with rows in H,W,C order after a spatial layer.
        if weights.layout == .caffeTensorflow, spatial { order = nil }
        var matrix = [Double](repeating: 0, count: inputs * outputs)
        let w = kernel.data
        let rowsFirst = weights.layout == .caffeTensorflow || transpose
        for k in 0..<inputs {
            let source = order?[k] ?? k
            for o in 0..<outputs { matrix[k * outputs + o] = rowsFirst ? w[source * outputs + o] : w[o * inputs + source] }
        }
        let bias = biasArray?.data ?? [Double](repeating: 0, count: outputs)
        let top = try layer.top()
        try assembler.add(layer.name, .layer(try Linear(inputs: inputs, outputs: outputs, weights: matrix, bias: bias)),
                          inputs: [flatSource], output: top)
        caffeOrder[top] = nil
        lastTop = top
    }

    private mutating func softmax(_ layer: CaffeLayer, input source: String) throws {
        let axis = try layer.parameters("softmax_param")?.integer("axis", default: 1) ?? 1
        guard axis == 1 else { throw LRPError.unsupported("softmax along axis \(axis) (1 only)") }
        let shape = try assembler.requireShape(of: source, for: "Softmax")
        var from = source
        if shape.count == 3 {
            guard shape[0] == 1, shape[1] == 1 else { throw LRPError.unsupported("softmax over the channels of each pixel of a \(Shape.describe(shape)) map") }
            from = layer.name + "/flatten"
            try assembler.add(from, .layer(Flatten()), inputs: [source])
        }
        try addNode(layer, SoftMax(), from: from, keepsOrder: true)
    }

    private func lrn(_ layer: CaffeLayer) throws -> any Layer {
        let p = try layer.parameters("lrn_param") ?? ProtoText(fields: [], line: layer.line)
        let region = try p.string("norm_region") ?? "ACROSS_CHANNELS"
        guard region == "ACROSS_CHANNELS" || region == "0" else { throw LRPError.unsupported("norm_region \(region) (ACROSS_CHANNELS only)") }
        return try LRN(size: try p.integer("local_size", default: 5), alpha: try p.number("alpha", default: 1),
                       beta: try p.number("beta", default: 0.75), k: try p.number("k", default: 1))
    }

    private mutating func flatten(_ layer: CaffeLayer, input source: String) throws {
        let p = try layer.parameters("flatten_param")
        guard try p?.integer("axis", default: 1) ?? 1 == 1, try p?.integer("end_axis", default: -1) ?? -1 == -1 else {
            throw LRPError.unsupported("Flatten of axes other than 1 … -1")
        }
        let shape = try assembler.requireShape(of: source, for: "Flatten")
        try addNode(layer, Flatten(), from: source)
        if shape.count == 3, shape[0] * shape[1] > 1, shape[2] > 1 {
            let (h, w, c) = (shape[0], shape[1], shape[2])
            caffeOrder[try layer.top()] = .chw(h: h, w: w, c: c)
        } else {
            caffeOrder[try layer.top()] = caffeOrder[source]
        }
    }

    private mutating func concat(_ layer: CaffeLayer) throws {
        let p = try layer.parameters("concat_param")
        let axis = try p?.integers("axis").last ?? p?.integers("concat_dim").last ?? 1
        guard axis == 1 else { throw LRPError.unsupported("concatenation along axis \(axis) (channels, axis 1, only)") }
        guard layer.bottoms.count >= 2 else { throw LRPError.format("Concat needs at least two bottoms") }
        let top = try layer.top()
        // Flat inputs keep track of their Caffe order, shifted by the sizes before them.
        let parts = try layer.bottoms.map { bottom in
            CaffeOrder.Part(order: caffeOrder[bottom], size: try Shape.count(try assembler.requireShape(of: bottom, for: "Concat")))
        }
        let permuted = parts.contains { $0.order != nil }
        try assembler.add(layer.name, .merge(Concatenate()), inputs: layer.bottoms, output: top)
        caffeOrder[top] = permuted ? .joined(parts) : nil
        lastTop = top
    }

    private mutating func eltwise(_ layer: CaffeLayer) throws {
        let p = try layer.parameters("eltwise_param")
        let operation = try p?.string("operation") ?? "SUM"
        guard operation == "SUM" || operation == "1" else { throw LRPError.unsupported("Eltwise \(operation) (SUM only)") }
        for c in try p?.scalars("coeff") ?? [] where Double(c.text) != 1 {
            throw LRPError.unsupported("Eltwise coefficients other than 1 (got \(c.text))")
        }
        guard layer.bottoms.count >= 2 else { throw LRPError.format("Eltwise needs at least two bottoms") }
        let orders = layer.bottoms.map { caffeOrder[$0] }
        guard orders.allSatisfy({ $0 == orders[0] }) else {
            throw LRPError.unsupported("summing flattened maps whose element orders differ")
        }
        let top = try layer.top()
        try assembler.add(layer.name, .merge(Add()), inputs: layer.bottoms, output: top)
        caffeOrder[top] = orders[0]
        lastTop = top
    }

    /// BatchNorm (mean, variance, scale factor; ε), with the γ and β of a following Scale layer.
    private mutating func batchNorm(_ layer: CaffeLayer, scale: CaffeLayer?) throws {
        let source = try layer.bottom()
        let eps = try layer.parameters("batch_norm_param")?.number("eps", default: 1e-5) ?? 1e-5
        var mean: [Double], variance: [Double]
        var gamma: [Double]?, beta: [Double]?
        switch weights.layout {
        case .caffe:
            let blobs = try requireBlobs(layer, count: 3)
            guard blobs[2].count == 1 else { throw LRPError.shape("blob 2 (the scale factor) has \(blobs[2].count) values, expected 1") }
            let factor = blobs[2].data[0]
            let s = factor == 0 ? 0 : 1 / factor
            (mean, variance) = (blobs[0].data.map { $0 * s }, blobs[1].data.map { $0 * s })
        case .caffeTensorflow:
            let arrays = try requireArrays(layer, ["mean", "variance"])
            (mean, variance) = (arrays["mean"]?.data ?? [], arrays["variance"]?.data ?? [])
            (gamma, beta) = (arrays["scale"]?.data, arrays["offset"]?.data)
        }
        let channels = mean.count
        guard variance.count == channels else { throw LRPError.shape("mean has \(channels) values, variance \(variance.count)") }
        if let scale, gamma == nil {
            (gamma, beta) = try withContext(scale.context) { try scaleParameters(scale, channels: channels) }
        }
        let top = try (scale ?? layer).top()
        let made = try BatchNorm.fromStatistics(gamma: gamma ?? Array(repeating: 1, count: channels),
                                                beta: beta ?? Array(repeating: 0, count: channels),
                                                mean: mean, variance: variance, epsilon: eps)
        try checkChannels(source, channels)
        try assembler.add(layer.name, .layer(made), inputs: [source], output: top)
        caffeOrder[top] = nil
        lastTop = top
    }

    /// A Scale layer on its own: y = x·γ + β per channel.
    private mutating func scaleAlone(_ layer: CaffeLayer, input source: String) throws {
        guard layer.bottoms.count == 1 else { throw LRPError.unsupported("Scale with the factor from a second bottom") }
        let shape = try assembler.requireShape(of: source, for: "Scale")
        let channels = shape.last ?? 1
        let (gamma, beta) = try scaleParameters(layer, channels: channels)
        try addNode(layer, try BatchNorm(scale: gamma, shift: beta ?? Array(repeating: 0, count: channels)), from: source)
    }

    private func scaleParameters(_ layer: CaffeLayer, channels: Int) throws -> ([Double], [Double]?) {
        let p = try layer.parameters("scale_param")
        guard try p?.integer("axis", default: 1) ?? 1 == 1, try p?.integer("num_axes", default: 1) ?? 1 == 1 else {
            throw LRPError.unsupported("Scale over axes other than the channels")
        }
        let biasTerm = try p?.bool("bias_term", default: false) ?? false
        guard weights.layout == .caffe else {
            throw LRPError.format("the caffe-tensorflow file has no parameters for this Scale layer (it fuses Scale into the BatchNorm before it)")
        }
        let blobs = try requireBlobs(layer, count: biasTerm ? 2 : 1)
        try Self.expect(blobs[0], count: channels, "γ", "\(channels)")
        if biasTerm { try Self.expect(blobs[1], count: channels, "β", "\(channels)") }
        return (blobs[0].data, biasTerm ? blobs[1].data : nil)
    }

    private func checkChannels(_ source: String, _ channels: Int) throws {
        if let shape = try assembler.shape(of: source), shape.last != channels {
            throw LRPError.shape("has \(channels) channels of statistics, its input \(Shape.describe(shape)) has \(shape.last ?? 0)")
        }
    }

    // MARK: Weights

    private func requireBlobs(_ layer: CaffeLayer, count: Int) throws -> [Tensor] {
        guard let blobs = weights.caffeBlobs(layer.name) else {
            throw LRPError.format("'\(weights.path)' has no weights for this layer")
        }
        guard blobs.count >= count else {
            throw LRPError.format("'\(weights.path)' has \(blobs.count) blobs for this layer, it needs \(count)")
        }
        return blobs
    }

    private func requireArrays(_ layer: CaffeLayer, _ names: [String]) throws -> [String: Tensor] {
        guard let arrays = weights.tensorflowArrays(layer.name) else {
            throw LRPError.format("'\(weights.path)' has no weights for this layer")
        }
        for name in names where arrays[name] == nil {
            throw LRPError.format("'\(weights.path)' has no '\(name)' for this layer (it has \(arrays.keys.sorted().joined(separator: ", ")))")
        }
        return arrays
    }

    private static func expect(_ tensor: Tensor, count: Int, _ what: String, _ shape: String) throws {
        guard tensor.count == count else {
            throw LRPError.shape("the \(what) have \(Shape.describe(tensor.shape)) = \(tensor.count) values, the prototxt needs \(shape) = \(count)")
        }
    }
}

/// One layer of a prototxt: name, type (V1 enum names mapped to the new type names), bottoms, tops, phase.
struct CaffeLayer {
    let name: String
    let type: String
    let bottoms: [String]
    let tops: [String]
    let line: Int
    let inTestPhase: Bool
    private let message: ProtoText

    /// V1 `LayerType` enum names and the new type names they stand for.
    static let v1Types: [String: String] = [
        "CONVOLUTION": "Convolution", "POOLING": "Pooling", "INNER_PRODUCT": "InnerProduct", "RELU": "ReLU",
        "SIGMOID": "Sigmoid", "TANH": "TanH", "SOFTMAX": "Softmax", "DROPOUT": "Dropout", "LRN": "LRN",
        "FLATTEN": "Flatten", "CONCAT": "Concat", "ELTWISE": "Eltwise", "SPLIT": "Split", "DATA": "Data",
        "IMAGE_DATA": "ImageData", "HDF5_DATA": "HDF5Data", "WINDOW_DATA": "WindowData", "MEMORY_DATA": "MemoryData",
        "DUMMY_DATA": "DummyData", "SILENCE": "Silence", "SOFTMAX_LOSS": "SoftmaxWithLoss", "ACCURACY": "Accuracy",
        "DECONVOLUTION": "Deconvolution", "POWER": "Power", "ABSVAL": "AbsVal", "BNLL": "BNLL", "EXP": "Exp",
        "MVN": "MVN", "SLICE": "Slice", "THRESHOLD": "Threshold", "ARGMAX": "ArgMax",
    ]

    init(_ message: ProtoText) throws {
        self.message = message
        line = message.line
        guard let name = try message.string("name") else { throw LRPError.format("line \(message.line): a layer without a name") }
        guard let raw = try message.string("type") else { throw LRPError.format("line \(message.line): layer '\(name)' has no type") }
        self.name = name
        type = Self.v1Types[raw] ?? raw
        bottoms = try message.scalars("bottom").map(\.text)
        tops = try message.scalars("top").map(\.text)
        // Layers restricted to the TRAIN phase, or excluded from TEST, are not part of the deployed net.
        let includes = try message.messages("include").compactMap { try $0.string("phase") }
        let excludes = try message.messages("exclude").compactMap { try $0.string("phase") }
        inTestPhase = (includes.isEmpty || includes.contains("TEST") || includes.contains("1")) && !excludes.contains("TEST") && !excludes.contains("1")
    }

    /// "layer 'conv1' (Convolution, line 8)", the prefix of messages about this layer.
    var context: String { "layer '\(name)' (\(type), line \(line))" }

    /// The layer's parameter message `name` (e.g. "convolution_param"), or nil.
    func parameters(_ name: String) throws -> ProtoText? { try message.message(name) }

    /// The single bottom.
    func bottom() throws -> String {
        guard bottoms.count == 1, let only = bottoms.first else { throw LRPError.format("needs one bottom, has \(bottoms.count)") }
        return only
    }

    /// The single top.
    func top() throws -> String {
        guard tops.count == 1, let only = tops.first else { throw LRPError.format("needs one top, has \(tops.count)") }
        return only
    }
}

/// How a flattened tensor's positions map to Caffe's, where they differ: kept symbolic so that nothing the size
/// of a feature map is built until an InnerProduct, whose weights bound the size, needs it.
indirect enum CaffeOrder: Equatable {
    /// A C,H,W map flattened: our position k (H,W,C order) is Caffe's (k mod c)·h·w + k div c.
    case chw(h: Int, w: Int, c: Int)
    /// Flat parts concatenated (nil: a part already in Caffe's order).
    case joined([Part])

    /// One part of a concatenation.
    struct Part: Equatable {
        let order: CaffeOrder?
        let size: Int
    }

    /// Caffe's index of each of our positions.
    func indices() -> [Int] {
        switch self {
        case .chw(let h, let w, let c):
            return (0..<(h * w * c)).map { k in (k % c) * h * w + k / c }
        case .joined(let parts):
            var out: [Int] = [], offset = 0
            for part in parts {
                out += (part.order?.indices() ?? Array(0..<part.size)).map { $0 + offset }
                offset += part.size
            }
            return out
        }
    }
}
