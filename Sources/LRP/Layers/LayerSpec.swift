/// A layer or merge node described by its header line: the name, positional sizes, and `key=value` options
/// ("Linear 784 300", "Convolution 3 3 1 8 1 1 pad=same", "AvgPool 3 3 2 2 pad=1,1,1,1 round=up
/// divisor=padded", "LRN 5 0.0001 0.75 1", "Add"). It knows the shapes of the layer's parameters and builds
/// the layer from their values. The text format, the model archive and the C model builder share it.
///
/// The toolbox's text format holds only the toolbox's eight layers without options (`isToolboxLayer`).
public struct LayerSpec: Sendable, Equatable {
    /// The layer's name ("Linear", …).
    public let name: String
    /// The positional values after the name, as written.
    public let arguments: [String]
    /// The `key=value` options, in the order written.
    public let options: [(key: String, value: String)]

    /// The kind of node.
    public let kind: LayerKind

    /// The names of the toolbox's layers (what the text format holds).
    public static var toolboxNames: [String] { LayerKind.allCases.filter(\.isToolbox).map(\.name) }

    /// Parses a header line; errors say what the line should look like.
    public init(header: String) throws {
        try self.init(tokens: header.split(whereSeparator: \.isWhitespace))
    }

    /// Parses a header line already split into tokens.
    init(tokens: [Substring]) throws {
        guard let first = tokens.first else { throw LRPError.argument("empty layer description") }
        let name = String(first)
        guard let kind = LayerKind(rawValue: name) else {
            throw LRPError.argument("unknown layer name '\(name)' (known: \(LayerKind.allCases.map(\.name).joined(separator: ", ")))")
        }
        var arguments: [String] = []
        var options: [(key: String, value: String)] = []
        for token in tokens.dropFirst() {
            if let equals = token.firstIndex(of: "=") {
                let key = String(token[..<equals]), value = String(token[token.index(after: equals)...])
                guard kind.options.contains(key) else {
                    let known = kind.options.isEmpty ? "\(name) takes no options" : "known: \(kind.options.joined(separator: ", "))"
                    throw LRPError.argument("unknown option '\(key)' for \(name) (\(known))")
                }
                guard !options.contains(where: { $0.key == key }) else { throw LRPError.argument("option '\(key)' given twice") }
                options.append((key, value))
            } else {
                guard options.isEmpty else { throw LRPError.argument("'\(token)' follows an option; sizes come first in '\(kind.form)'") }
                arguments.append(String(token))
            }
        }
        if let count = kind.count {
            if count == 0, !arguments.isEmpty {
                throw LRPError.argument("\(name) takes no parameters, found '\(arguments.joined(separator: " "))'")
            }
            guard arguments.count == count else {
                throw LRPError.argument("expected '\(kind.form)' (\(count) values after the name), found \(arguments.count)")
            }
        } else if arguments.isEmpty {
            throw LRPError.argument("expected '\(kind.form)' (at least one value after the name)")
        }
        self.name = name
        self.kind = kind
        self.arguments = arguments
        self.options = options
        try validate()
    }

    /// Checks every value and option so that `make` can only fail on the parameter arrays.
    private func validate() throws {
        switch kind {
        case .lrn:
            _ = try integers(0..<1, minimum: 1)
            _ = try reals(1..<4)
        case .pad:
            _ = try integers(0..<4, minimum: 0)
        default:
            _ = try integers(0..<arguments.count, minimum: 1)
        }
        _ = try placement()
        _ = try groups()
        _ = try divisor()
        // The parameter shapes must be countable (no overflow) for the counts below.
        for parameter in try shapes() where (try? Shape.count(parameter.shape)) == nil {
            throw LRPError.argument("the declared sizes are too large (\(parameter.name) would have \(Shape.describe(parameter.shape)) values)")
        }
        // Building a parameterless node checks the remaining constraints (odd LRN size, Reshape rank, …).
        if try shapes().isEmpty { _ = try makeNode([]) }
    }

    private var form: String { kind.form }

    private func integers(_ range: Range<Int>, minimum: Int) throws -> [Int] {
        try arguments[range].map { token in
            guard let value = Int(token) else { throw LRPError.argument("'\(token)' is not an integer in '\(form)'") }
            guard value >= minimum else { throw LRPError.argument("sizes in '\(form)' must be ≥ \(minimum), got \(value)") }
            return value
        }
    }

    private func reals(_ range: Range<Int>) throws -> [Double] {
        try arguments[range].map { token in
            guard let value = Double(token), value.isFinite else { throw LRPError.argument("'\(token)' is not a finite number in '\(form)'") }
            return value
        }
    }

    private func option(_ key: String) -> String? { options.first(where: { $0.key == key })?.value }

    private func placement() throws -> WindowPlacement {
        var placement = WindowPlacement.valid
        if let pad = option("pad") {
            if pad == "same" {
                placement.padding = .same
            } else if pad == "valid" {
                placement.padding = .explicit(top: 0, bottom: 0, left: 0, right: 0)
            } else {
                let sides = pad.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
                guard sides.count == 4, let t = sides[0], let b = sides[1], let l = sides[2], let r = sides[3],
                      t >= 0, b >= 0, l >= 0, r >= 0 else {
                    throw LRPError.argument("pad= takes 'same', 'valid' or four sizes ≥ 0 'top,bottom,left,right', got '\(pad)'")
                }
                placement.padding = .explicit(top: t, bottom: b, left: l, right: r)
            }
        }
        if let round = option("round") {
            guard round == "up" || round == "down" else { throw LRPError.argument("round= takes 'up' or 'down', got '\(round)'") }
            placement.roundUp = round == "up"
        }
        return placement
    }

    private func groups() throws -> Int {
        guard let text = option("groups") else { return 1 }
        guard let g = Int(text), g >= 1 else { throw LRPError.argument("groups= takes an integer ≥ 1, got '\(text)'") }
        return g
    }

    private func divisor() throws -> AvgPool.Divisor {
        guard let text = option("divisor") else { return .window }
        guard let d = AvgPool.Divisor(rawValue: text) else {
            throw LRPError.argument("divisor= takes 'window', 'inside' or 'padded', got '\(text)'")
        }
        return d
    }

    /// The header line, normalized.
    public var header: String {
        ([name] + arguments + options.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
    }

    /// True for the toolbox's eight layers without options: what the text format can hold.
    public var isToolboxLayer: Bool {
        options.isEmpty && kind.isToolbox
    }

    /// True for merge nodes (Add, Concatenate), which read several inputs.
    public var isMerge: Bool { kind.isMerge }

    /// The layer's parameters in file order: ("W", shape), ("B", shape), or none.
    private func shapes() throws -> [(name: String, shape: [Int])] {
        switch kind {
        case .linear:
            let d = try integers(0..<2, minimum: 1)
            return [("W", [d[0], d[1]]), ("B", [d[1]])]
        case .convolution:
            let d = try integers(0..<6, minimum: 1)
            return [("W", Array(d[0..<4])), ("B", [d[3]])]
        case .batchNorm:
            let c = try integers(0..<1, minimum: 1)[0]
            return [("W", [c]), ("B", [c])]
        case .sumPool, .maxPool, .flatten, .rect, .tanh, .softMax, .avgPool, .sigmoid, .pad, .globalAvgPool, .reshape, .lrn,
             .add, .concatenate:
            return []
        }
    }

    /// The layer's parameters in file order: ("W", shape), ("B", shape), or none. (The sizes were checked
    /// when the spec was parsed.)
    public var parameterShapes: [(name: String, shape: [Int])] { (try? shapes()) ?? [] }

    /// The number of values of each parameter, in file order.
    public var parameterCounts: [Int] {
        parameterShapes.map { $0.shape.reduce(1, *) }
    }

    /// Builds the layer from its parameter values (in file order, one array per parameter); merge nodes
    /// are refused (use `makeNode`).
    public func make(_ values: [[Double]]) throws -> any Layer {
        guard case .layer(let layer) = try makeNode(values) else {
            throw LRPError.unsupported("\(name) merges several inputs; it belongs in a graph, not a chain of layers")
        }
        return layer
    }

    /// Builds the node (a layer or a merge) from its parameter values (float64).
    public func makeNode(_ values: [[Double]]) throws -> Graph.Operation {
        let shapes = try self.shapes()
        let counts = shapes.map { $0.shape.reduce(1, *) }
        guard values.count == counts.count else {
            throw LRPError.argument("\(header) takes \(counts.count) parameter arrays, got \(values.count)")
        }
        for (i, (shape, array)) in zip(shapes, values).enumerated() where array.count != counts[i] {
            throw LRPError.shape("\(header) needs \(counts[i]) values for \(shape.name) (\(Shape.describe(shape.shape))), got \(array.count)")
        }
        return try makeNode(parameters: try zip(shapes, values).map { try Tensor(shape: $0.shape, data: $1) })
    }

    /// Builds the node from parameter tensors in file order, each in its parameter's shape, sharing their
    /// storage (a tensor in another precision than the first is converted to the first's).
    public func makeNode(parameters: [Tensor]) throws -> Graph.Operation {
        let shapes = try self.shapes()
        guard parameters.count == shapes.count else {
            throw LRPError.argument("\(header) takes \(shapes.count) parameter arrays, got \(parameters.count)")
        }
        for (shape, tensor) in zip(shapes, parameters) where tensor.shape != shape.shape {
            throw LRPError.shape("\(header) needs \(shape.name) of shape \(Shape.describe(shape.shape)), got \(Shape.describe(tensor.shape))")
        }
        let precision = parameters.first?.precision ?? .float64
        let values = try parameters.map { try $0.converted(to: precision) }
        switch kind {
        case .linear:
            return .layer(try Linear(weights: values[0], bias: values[1]))
        case .convolution:
            let d = try integers(0..<6, minimum: 1)
            return .layer(try Convolution(weights: values[0], bias: values[1], strideHeight: d[4], strideWidth: d[5],
                                          placement: try placement(), groups: try groups()))
        case .sumPool:
            let d = try integers(0..<4, minimum: 1)
            return .layer(try SumPool(pool: (d[0], d[1]), stride: (d[2], d[3])))
        case .maxPool:
            let d = try integers(0..<4, minimum: 1)
            return .layer(try MaxPool(pool: (d[0], d[1]), stride: (d[2], d[3]), placement: try placement()))
        case .avgPool:
            let d = try integers(0..<4, minimum: 1)
            return .layer(try AvgPool(pool: (d[0], d[1]), stride: (d[2], d[3]), placement: try placement(), divisor: try divisor()))
        case .batchNorm: return .layer(try BatchNorm(sharing: values[0], values[1]))
        case .pad:
            let d = try integers(0..<4, minimum: 0)
            return .layer(try ZeroPadding(top: d[0], bottom: d[1], left: d[2], right: d[3]))
        case .reshape: return .layer(try Reshape(target: try integers(0..<arguments.count, minimum: 1)))
        case .lrn:
            let r = try reals(1..<4)
            return .layer(try LRN(size: try integers(0..<1, minimum: 1)[0], alpha: r[0], beta: r[1], k: r[2]))
        case .flatten: return .layer(Flatten())
        case .rect: return .layer(Rect())
        case .tanh: return .layer(Tanh())
        case .softMax: return .layer(SoftMax())
        case .sigmoid: return .layer(Sigmoid())
        case .globalAvgPool: return .layer(GlobalAvgPool())
        case .add: return .merge(Add())
        case .concatenate: return .merge(Concatenate())
        }
    }

    /// Two specs are equal when their headers are.
    public static func == (a: LayerSpec, b: LayerSpec) -> Bool { a.header == b.header }
}
