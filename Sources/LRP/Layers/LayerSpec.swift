/// A layer described by its header line in the toolbox's text format ("Linear 784 300",
/// "Convolution 5 5 1 10 1 1", "SumPool 2 2 2 2", "Rect"): what kind it is, the shapes of its parameters,
/// and how to build it from their values. The text reader and the C model builder share it.
public struct LayerSpec: Sendable, Equatable {
    /// The layer's name ("Linear", …).
    public let name: String
    /// The integers after the name.
    public let dimensions: [Int]

    /// The layer names the format knows, with the form of their header lines.
    public static let forms: [(name: String, form: String, count: Int)] = [
        ("Linear", "Linear m n", 2), ("Convolution", "Convolution hf wf df nf sh sw", 6),
        ("SumPool", "SumPool ph pw sh sw", 4), ("MaxPool", "MaxPool ph pw sh sw", 4),
        ("Flatten", "Flatten", 0), ("Rect", "Rect", 0), ("Tanh", "Tanh", 0), ("SoftMax", "SoftMax", 0),
    ]

    /// Parses a header line; errors say what the line should look like.
    public init(header: String) throws {
        try self.init(tokens: header.split(whereSeparator: \.isWhitespace))
    }

    /// Parses a header line already split into tokens.
    init(tokens: [Substring]) throws {
        guard let first = tokens.first else { throw LRPError.argument("empty layer description") }
        let name = String(first)
        guard let entry = Self.forms.first(where: { $0.name == name }) else {
            throw LRPError.argument("unknown layer name '\(name)' (known: \(Self.forms.map(\.name).joined(separator: ", ")))")
        }
        let arguments = tokens.dropFirst()
        if entry.count == 0 {
            guard arguments.isEmpty else {
                throw LRPError.argument("\(name) takes no parameters, found '\(arguments.joined(separator: " "))'")
            }
        } else if arguments.count != entry.count {
            throw LRPError.argument("expected '\(entry.form)' (\(entry.count) integers after the name), found \(arguments.count)")
        }
        dimensions = try arguments.map { token in
            guard let value = Int(token) else { throw LRPError.argument("'\(token)' is not an integer in '\(entry.form)'") }
            guard value >= 1 else { throw LRPError.argument("sizes in '\(entry.form)' must be ≥ 1, got \(value)") }
            return value
        }
        self.name = name
        // The parameter shapes must be countable (no overflow) for the counts below.
        for parameter in parameterShapes where (try? Shape.count(parameter.shape)) == nil {
            throw LRPError.argument("the declared sizes are too large (\(parameter.name) would have \(Shape.describe(parameter.shape)) values)")
        }
    }

    /// The header line.
    public var header: String { ([name] + dimensions.map(String.init)).joined(separator: " ") }

    /// The layer's parameters in file order: ("W", shape), ("B", shape), or none.
    public var parameterShapes: [(name: String, shape: [Int])] {
        switch name {
        case "Linear": return [("W", [dimensions[0], dimensions[1]]), ("B", [dimensions[1]])]
        case "Convolution": return [("W", Array(dimensions[0..<4])), ("B", [dimensions[3]])]
        default: return []
        }
    }

    /// The number of values of each parameter, in file order.
    public var parameterCounts: [Int] {
        parameterShapes.map { $0.shape.reduce(1, *) }
    }

    /// Builds the layer from its parameter values (in file order, one array per parameter).
    public func make(_ values: [[Double]]) throws -> any Layer {
        let counts = parameterCounts
        guard values.count == counts.count else {
            throw LRPError.argument("\(header) takes \(counts.count) parameter arrays, got \(values.count)")
        }
        for (i, (shape, array)) in zip(parameterShapes, values).enumerated() where array.count != counts[i] {
            throw LRPError.shape("\(header) needs \(counts[i]) values for \(shape.name) (\(Shape.describe(shape.shape))), got \(array.count)")
        }
        let d = dimensions
        switch name {
        case "Linear": return try Linear(inputs: d[0], outputs: d[1], weights: values[0], bias: values[1])
        case "Convolution":
            return try Convolution(filterHeight: d[0], filterWidth: d[1], inputChannels: d[2], filters: d[3],
                                   strideHeight: d[4], strideWidth: d[5], weights: values[0], bias: values[1])
        case "SumPool": return try SumPool(pool: (d[0], d[1]), stride: (d[2], d[3]))
        case "MaxPool": return try MaxPool(pool: (d[0], d[1]), stride: (d[2], d[3]))
        case "Flatten": return Flatten()
        case "Rect": return Rect()
        case "Tanh": return Tanh()
        default: return SoftMax()
        }
    }

    /// Two specs are equal when their headers are.
    public static func == (a: LayerSpec, b: LayerSpec) -> Bool { a.header == b.header }
}
