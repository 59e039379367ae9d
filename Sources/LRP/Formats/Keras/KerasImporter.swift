/// Turns a Keras architecture and its weights into our layers (channels last, as Keras stores them):
///
/// | Keras                                   | liblrp                                                     |
/// |-----------------------------------------|------------------------------------------------------------|
/// | Conv2D (valid/same, strides, groups)    | Convolution (+ the activation as its own layer)            |
/// | Dense                                   | Linear (+ activation)                                      |
/// | MaxPooling2D / AveragePooling2D         | MaxPool / AvgPool (divisor: window, or inside for 'same')  |
/// | GlobalAveragePooling2D / GlobalMax…     | GlobalAvgPool / MaxPool over the image + Reshape           |
/// | BatchNormalization                      | BatchNorm, merged into a preceding Dense/Conv2D by default |
/// | Activation, ReLU, Softmax               | Rect, Tanh, Sigmoid, SoftMax (linear: nothing)             |
/// | Flatten, Reshape, ZeroPadding2D         | Flatten, Reshape, Pad                                      |
/// | Add, Concatenate (last axis)            | Add, Concatenate                                           |
/// | Rescaling                               | BatchNorm with constant scale and offset                   |
/// | InputLayer, Dropout and other noise     | nothing (identity at inference)                            |
///
/// Anything else — other layer classes, channels_first, dilation, other activations — is refused with an
/// error naming the layer and the option.
struct KerasImporter {
    private var assembler = ModelAssembler()
    private let weights: (String) throws -> [KerasWeights.Weight]

    /// An importer reading each layer's weights through `weights`.
    init(weights: @escaping (String) throws -> [KerasWeights.Weight]) {
        self.weights = weights
    }

    /// The model for `architecture`.
    static func build(_ architecture: KerasArchitecture, options: ImportOptions,
                      weights: @escaping (String) throws -> [KerasWeights.Weight]) throws -> any Network {
        var importer = KerasImporter(weights: weights)
        try importer.assembler.setInput(architecture.inputName, shape: architecture.inputShape)
        for layer in architecture.layers {
            try withContext(layer.context) { try importer.add(layer) }
        }
        return try importer.assembler.finish(output: architecture.outputName, options: options)
    }

    // MARK: Reading configs

    private static func unsupported(_ option: String, _ value: JSON, _ supported: String) -> LRPError {
        let shown = value.string.map { "'\($0)'" } ?? JSON.format(value.number ?? .nan)
        return .unsupported("\(option) \(value.string != nil || value.number != nil ? shown : value.kind) is not supported (\(supported))")
    }

    /// A pair of sizes given as an integer or a list of two ("kernel_size", "strides", "pool_size").
    private static func pair(_ config: JSON, _ key: String, default fallback: (Int, Int)? = nil) throws -> (Int, Int) {
        guard let value = config[key], !value.isNull else {
            guard let fallback else { throw LRPError.format("\"\(key)\" is missing") }
            return fallback
        }
        if let n = value.integer { return (n, n) }
        guard let list = value.array, list.count == 2, let a = list[0].integer, let b = list[1].integer else {
            throw LRPError.format("\"\(key)\" must be an integer or two integers, got \(value.kind)")
        }
        return (a, b)
    }

    /// Refuses data_format channels_first (null means the default, channels_last).
    private static func checkChannelsLast(_ config: JSON) throws {
        if let format = config["data_format"], !format.isNull, format.string != "channels_last" {
            throw unsupported("data_format", format, "channels_last only; inputs are N×H×W×C")
        }
    }

    /// The layer for an activation name (nil for linear).
    private static func activation(_ value: JSON?) throws -> (name: String, layer: any Layer)? {
        guard let value, !value.isNull else { return nil }
        // Keras 3 may serialize built-in activations as {"class_name": "function", "config": "relu", …}.
        let name = value.string ?? value["config"]?.string ?? value["class_name"]?.string ?? ""
        switch name {
        case "linear", "": return nil
        case "relu": return ("relu", Rect())
        case "tanh": return ("tanh", Tanh())
        case "sigmoid": return ("sigmoid", Sigmoid())
        case "softmax": return ("softmax", SoftMax())
        default: throw unsupported("activation", .string(name), "relu, tanh, sigmoid, softmax and linear are")
        }
    }

    /// The weight called `name`, else the one at `position`.
    private static func weight(_ list: [KerasWeights.Weight], _ name: String, position: Int) -> Tensor? {
        if let named = list.first(where: { $0.name == name }) { return named.value }
        let anyNamed = list.contains { ["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"].contains($0.name) }
        return !anyNamed && list.indices.contains(position) ? list[position].value : nil
    }

    private static func padding(_ config: JSON) throws -> WindowPlacement {
        switch config["padding"]?.string ?? "valid" {
        case "valid": return .valid
        case "same": return WindowPlacement(padding: .same)
        default: throw unsupported("padding", config["padding"] ?? .null, "'valid' and 'same' are")
        }
    }

    // MARK: Layers

    private mutating func add(_ layer: KerasLayer) throws {
        let c = layer.config
        let source = layer.inbound.first ?? ""
        func single() throws {
            guard layer.inbound.count == 1 else { throw LRPError.format("reads \(layer.inbound.count) inputs, expected one") }
        }
        switch layer.className {
        case "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
             "ActivityRegularization":
            try single()
            try assembler.alias(layer.name, to: source)
        case "Conv2D", "Convolution2D":
            try single()
            try addWithActivation(layer, try convolution(layer))
        case "Dense":
            try single()
            if let shape = try assembler.shape(of: source), shape.count != 1 {
                throw LRPError.unsupported("Dense on an input of shape \(Shape.describe(shape)) (applied along the last axis) is not supported; flatten first")
            }
            try addWithActivation(layer, try dense(layer))
        case "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D":
            try single()
            try Self.checkChannelsLast(c)
            let pool = try Self.pair(c, "pool_size", default: (2, 2))
            let stride = try Self.pair(c, "strides", default: pool)
            let placement = try Self.padding(c)
            let made: any Layer = layer.className.hasPrefix("Max")
                ? try MaxPool(pool: pool, stride: stride, placement: placement)
                : try AvgPool(pool: pool, stride: stride, placement: placement, divisor: placement.isValid ? .window : .inside)
            try assembler.add(layer.name, .layer(made), inputs: [source])
        case "GlobalAveragePooling2D", "GlobalAvgPool2D":
            try single()
            try Self.checkChannelsLast(c)
            if c["keepdims"]?.bool == true {
                let shape = try assembler.requireShape(of: source, for: "GlobalAveragePooling2D with keepdims")
                try assembler.add(layer.name + "/pool", .layer(GlobalAvgPool()), inputs: [source])
                try assembler.add(layer.name, .layer(try Reshape(target: [1, 1, shape.last ?? 1])), inputs: [layer.name + "/pool"])
            } else {
                try assembler.add(layer.name, .layer(GlobalAvgPool()), inputs: [source])
            }
        case "GlobalMaxPooling2D", "GlobalMaxPool2D":
            try single()
            try Self.checkChannelsLast(c)
            let shape = try assembler.requireShape(of: source, for: "GlobalMaxPooling2D")
            guard shape.count == 3 else { throw LRPError.shape("expects an H×W×C input, got \(Shape.describe(shape))") }
            let pool = try MaxPool(pool: (shape[0], shape[1]), stride: (1, 1))
            if c["keepdims"]?.bool == true {
                try assembler.add(layer.name, .layer(pool), inputs: [source])
            } else {
                try assembler.add(layer.name + "/pool", .layer(pool), inputs: [source])
                try assembler.add(layer.name, .layer(try Reshape(target: [shape[2]])), inputs: [layer.name + "/pool"])
            }
        case "BatchNormalization":
            try single()
            try assembler.add(layer.name, .layer(try batchNormalization(layer, source: source)), inputs: [source])
        case "Activation":
            try single()
            if let (_, made) = try Self.activation(c["activation"]) {
                try assembler.add(layer.name, .layer(made), inputs: [source])
            } else {
                try assembler.alias(layer.name, to: source)
            }
        case "ReLU":
            try single()
            for key in ["max_value", "negative_slope", "threshold"] {
                if let value = c[key], !value.isNull, value.number != 0 {
                    throw Self.unsupported(key, value, "plain ReLU only: max_value null, negative_slope 0, threshold 0")
                }
            }
            try assembler.add(layer.name, .layer(Rect()), inputs: [source])
        case "Softmax":
            try single()
            if let axis = c["axis"], axis.integer != -1, axis.array?.first?.integer != -1 {
                throw Self.unsupported("axis", axis, "the last axis only")
            }
            try assembler.add(layer.name, .layer(SoftMax()), inputs: [source])
        case "Flatten":
            try single()
            try Self.checkChannelsLast(c)
            try assembler.add(layer.name, .layer(Flatten()), inputs: [source])
        case "Reshape":
            try single()
            try assembler.add(layer.name, .layer(try reshape(c, source: source)), inputs: [source])
        case "ZeroPadding2D":
            try single()
            try Self.checkChannelsLast(c)
            let (t, b, l, r) = try Self.zeroPadding(c["padding"] ?? .number(1))
            try assembler.add(layer.name, .layer(try ZeroPadding(top: t, bottom: b, left: l, right: r)), inputs: [source])
        case "Rescaling":
            try single()
            let shape = try assembler.requireShape(of: source, for: "Rescaling")
            guard let scale = c["scale"]?.number, let offset = (c["offset"] ?? .number(0)).number else {
                throw LRPError.unsupported("Rescaling needs a single number as scale and offset")
            }
            let channels = shape.last ?? 1
            guard channels <= 1 << 24 else { throw LRPError.unsupported("Rescaling of \(channels) channels") }
            let made = try BatchNorm(scale: Array(repeating: scale, count: channels), shift: Array(repeating: offset, count: channels))
            try assembler.add(layer.name, .layer(made), inputs: [source])
        case "Add":
            guard layer.inbound.count >= 2 else { throw LRPError.format("Add needs at least two inputs, got \(layer.inbound.count)") }
            try assembler.add(layer.name, .merge(Add()), inputs: layer.inbound)
        case "Concatenate":
            guard layer.inbound.count >= 2 else { throw LRPError.format("Concatenate needs at least two inputs, got \(layer.inbound.count)") }
            let axis = c["axis"]?.integer ?? -1
            if axis != -1 {
                let shape = try assembler.requireShape(of: layer.inbound[0], for: "Concatenate along axis \(axis)")
                guard axis == shape.count else { throw Self.unsupported("axis", .number(Double(axis)), "the last (channel) axis only") }
            }
            try assembler.add(layer.name, .merge(Concatenate()), inputs: layer.inbound)
        case "InputLayer":
            throw LRPError.unsupported("a second InputLayer (models with several inputs are not supported)")
        case "Sequential", "Model", "Functional":
            throw LRPError.unsupported("nested models are not supported; save the inner model's layers in one model")
        default:
            throw LRPError.unsupported("the layer class \(layer.className) is not supported")
        }
    }

    /// Adds `made` as node `name` and the layer's fused activation after it (node "name/relu"), so that the
    /// Keras layer's output is the activation's.
    private mutating func addWithActivation(_ layer: KerasLayer, _ made: any Layer) throws {
        guard let (activationName, activation) = try Self.activation(layer.config["activation"]) else {
            try assembler.add(layer.name, .layer(made), inputs: [layer.inbound[0]])
            return
        }
        let inner = layer.name
        let outer = layer.name + "/" + activationName
        try assembler.add(inner, .layer(made), inputs: [layer.inbound[0]], output: inner + "#linear")
        try assembler.add(outer, .layer(activation), inputs: [inner + "#linear"], output: layer.name)
    }

    private func convolution(_ layer: KerasLayer) throws -> any Layer {
        let c = layer.config
        try Self.checkChannelsLast(c)
        let dilation = try Self.pair(c, "dilation_rate", default: (1, 1))
        guard dilation == (1, 1) else {
            throw Self.unsupported("dilation_rate", c["dilation_rate"] ?? .null, "1 only")
        }
        let (kh, kw) = try Self.pair(c, "kernel_size")
        let (sh, sw) = try Self.pair(c, "strides", default: (1, 1))
        guard let filters = c["filters"]?.integer else { throw LRPError.format("\"filters\" is missing") }
        let groups = c["groups"]?.integer ?? 1
        let list = try weights(layer.name)
        guard let kernel = Self.weight(list, "kernel", position: 0) else { throw missing(layer, "kernel", list) }
        guard kernel.rank == 4, kernel.shape[0] == kh, kernel.shape[1] == kw, kernel.shape[3] == filters, groups >= 1 else {
            throw LRPError.shape("the kernel is \(Shape.describe(kernel.shape)), the config says \(kh)×\(kw)×…×\(filters)")
        }
        guard filters % groups == 0 else { throw LRPError.format("\(filters) filters do not split into \(groups) groups") }
        let perGroup = kernel.shape[2], inputs = perGroup * groups
        let bias = try self.bias(layer, list, count: filters)
        var full = kernel.data
        if groups > 1 {
            // Keras stores kh×kw×(cin/g)×cout; ours is kh×kw×cin×cout with zeros between groups.
            full = [Double](repeating: 0, count: kh * kw * inputs * filters)
            let perGroupOut = filters / groups
            for k in 0..<(kh * kw) {
                for i in 0..<perGroup {
                    for o in 0..<filters {
                        let g = o / perGroupOut
                        full[(k * inputs + g * perGroup + i) * filters + o] = kernel.data[(k * perGroup + i) * filters + o]
                    }
                }
            }
        }
        return try Convolution(filterHeight: kh, filterWidth: kw, inputChannels: inputs, filters: filters,
                               strideHeight: sh, strideWidth: sw, weights: full, bias: bias,
                               placement: try Self.padding(c), groups: groups)
    }

    private func dense(_ layer: KerasLayer) throws -> any Layer {
        guard let units = layer.config["units"]?.integer else { throw LRPError.format("\"units\" is missing") }
        let list = try weights(layer.name)
        guard let kernel = Self.weight(list, "kernel", position: 0) else { throw missing(layer, "kernel", list) }
        guard kernel.rank == 2, kernel.shape[1] == units else {
            throw LRPError.shape("the kernel is \(Shape.describe(kernel.shape)), the config says \(units) units")
        }
        return try Linear(inputs: kernel.shape[0], outputs: units, weights: kernel.data, bias: try bias(layer, list, count: units))
    }

    /// The bias (zeros when use_bias is false), checked against `count`.
    private func bias(_ layer: KerasLayer, _ list: [KerasWeights.Weight], count: Int) throws -> [Double] {
        guard layer.config["use_bias"]?.bool ?? true else { return Array(repeating: 0, count: count) }
        guard let bias = Self.weight(list, "bias", position: 1) else { throw missing(layer, "bias", list) }
        guard bias.shape == [count] else { throw LRPError.shape("the bias is \(Shape.describe(bias.shape)), expected \(count) values") }
        return bias.data
    }

    private func missing(_ layer: KerasLayer, _ what: String, _ list: [KerasWeights.Weight]) -> LRPError {
        let found = list.isEmpty ? "the weights file has no weights for it" : "found only \(list.map(\.name).joined(separator: ", "))"
        return .format("the \(what) is missing (\(found))")
    }

    private func batchNormalization(_ layer: KerasLayer, source: String) throws -> any Layer {
        let c = layer.config
        let shape = try assembler.shape(of: source)
        let axes = c["axis"]?.array ?? [c["axis"] ?? .number(-1)]
        guard axes.count == 1, let axis = axes[0].integer else {
            throw Self.unsupported("axis", c["axis"] ?? .null, "normalization over the last axis only")
        }
        if axis != -1 {
            guard let shape, axis == shape.count else {
                throw Self.unsupported("axis", .number(Double(axis)), "normalization over the last (channel) axis only")
            }
        }
        let (scale, center) = (c["scale"]?.bool ?? true, c["center"]?.bool ?? true)
        let list = try weights(layer.name)
        var position = 0
        func next(_ name: String) throws -> [Double] {
            defer { position += 1 }
            guard let value = Self.weight(list, name, position: position) else { throw missing(layer, name, list) }
            return value.data
        }
        let gamma = scale ? try next("gamma") : nil
        let beta = center ? try next("beta") : nil
        let mean = try next("moving_mean"), variance = try next("moving_variance")
        let epsilon = c["epsilon"]?.number ?? 1e-3
        if let shape, let channels = shape.last, channels != mean.count {
            throw LRPError.shape("the statistics have \(mean.count) channels, the input \(Shape.describe(shape)) has \(channels)")
        }
        return try BatchNorm.fromStatistics(gamma: gamma ?? Array(repeating: 1, count: mean.count),
                                            beta: beta ?? Array(repeating: 0, count: mean.count),
                                            mean: mean, variance: variance, epsilon: epsilon)
    }

    private func reshape(_ c: JSON, source: String) throws -> any Layer {
        guard let target = c["target_shape"]?.array?.compactMap(\.integer), !target.isEmpty else {
            throw LRPError.format("\"target_shape\" must be a list of sizes")
        }
        guard target.contains(-1) else { return try Reshape(target: target) }
        let shape = try assembler.requireShape(of: source, for: "Reshape with -1")
        let known = target.filter { $0 != -1 }.reduce(1, *)
        let total = shape.reduce(1, *)
        guard target.filter({ $0 == -1 }).count == 1, known > 0, total % known == 0 else {
            throw LRPError.shape("cannot reshape \(Shape.describe(shape)) to \(target)")
        }
        return try Reshape(target: target.map { $0 == -1 ? total / known : $0 })
    }

    /// ZeroPadding2D's padding: p, [ph, pw] or [[top, bottom], [left, right]].
    private static func zeroPadding(_ value: JSON) throws -> (Int, Int, Int, Int) {
        if let p = value.integer { return (p, p, p, p) }
        if let list = value.array, list.count == 2 {
            if let a = list[0].integer, let b = list[1].integer { return (a, a, b, b) }
            if let rows = list[0].array?.compactMap(\.integer), let columns = list[1].array?.compactMap(\.integer),
               rows.count == 2, columns.count == 2 {
                return (rows[0], rows[1], columns[0], columns[1])
            }
        }
        throw LRPError.format("\"padding\" must be p, [ph, pw] or [[top, bottom], [left, right]], got \(value.kind)")
    }
}
