/// The LRP Toolbox's plain-text model format: one header line per layer, its parameters on the lines after.
///
///     Linear m n                      then W (m·n values, row-major, on one line), then B (n values)
///     Convolution hf wf df nf sh sw   then W (hf·wf·df·nf values, C order), then B (nf values)
///     SumPool ph pw sh sw  |  MaxPool ph pw sh sw  |  Flatten  |  Rect  |  Tanh  |  SoftMax
///
/// The older form writes a Linear layer's W as m lines of n values; the reader accepts both, and blank lines
/// between layers. The writer uses the current form with round-trip precision (the shortest decimal that
/// reads back to the same double), so write → read gives identical weights.
public struct TextModelFormat: ModelFormat {
    public let name = "txt"
    public let aliases = ["text"]
    public let extensions = ["txt"]

    /// The format.
    public init() {}

    public func read(path: String) throws -> any Network {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") { try parse(bytes) }
    }

    public func write(_ model: any Network, path: String) throws {
        guard let chain = model as? Sequential else {
            throw LRPError.unsupported("the text format holds chains of layers only; write this graph in the npz model format")
        }
        try FileIO.writeAtomically(Array(serialize(chain).utf8), to: path)
    }

    /// The text of `model` in the current form.
    public func serialize(_ model: Sequential) throws -> String {
        var text = ""
        for (i, layer) in model.layers.enumerated() {
            guard (try? LayerSpec(header: layer.header))?.isToolboxLayer == true else {
                throw LRPError.unsupported("layer \(i) (\(layer.header)) is not one of the toolbox's layers the text format holds (\(LayerSpec.toolboxNames.joined(separator: ", ")), without options); write the npz model archive instead")
            }
            text += layer.header + "\n"
            for parameter in layer.parameters { text += line(parameter.data) }
        }
        return text
    }

    /// Values separated by single spaces, each in its shortest round-trip form, ending in a newline.
    private func line(_ values: [Double]) -> String {
        var out = ""
        out.reserveCapacity(values.count * 22)
        for (i, v) in values.enumerated() {
            if i > 0 { out += " " }
            out += v.description
        }
        return out + "\n"
    }

    /// Parses the text of a model file; errors name the line.
    public func parse(_ bytes: [UInt8]) throws -> Sequential {
        var reader = LineReader(bytes)
        var layers: [any Layer] = []
        while let header = reader.next() {
            layers.append(try parseLayer(header, &reader))
        }
        guard !layers.isEmpty else { throw LRPError.format("the file holds no layers (it is empty)") }
        return Sequential(layers: layers)
    }

    private func parseLayer(_ header: LineReader.Line, _ reader: inout LineReader) throws -> any Layer {
        let spec: LayerSpec
        do {
            spec = try LayerSpec(tokens: header.tokens)
        } catch let error as LRPError {
            throw LRPError.format("line \(header.number): \(error.message)")
        }
        guard spec.isToolboxLayer else {
            throw LRPError.format("line \(header.number): '\(spec.header)' is not one of the toolbox's layers the text format holds (\(LayerSpec.toolboxNames.joined(separator: ", ")), without options); liblrp's npz model archive holds the others")
        }
        let what = "\(spec.header) (line \(header.number))"
        var values: [[Double]] = []
        for (index, (name, shape)) in spec.parameterShapes.enumerated() {
            let count = spec.parameterCounts[index]
            let label = name == "W" ? "weights" : "bias"
            if spec.name == "Linear", name == "W" {
                values.append(try linearWeights(&reader, rows: shape[0], columns: shape[1], of: what))
            } else {
                values.append(try vector(&reader, count: count, what: label, of: what))
            }
        }
        return try withContext("line \(header.number)") { try spec.make(values) }
    }

    /// A Linear layer's weights: m·n values on one line, or (the older form) m lines of n values.
    private func linearWeights(_ reader: inout LineReader, rows m: Int, columns n: Int, of what: String) throws -> [Double] {
        let total = m * n
        guard let first = reader.next() else { throw truncated("the weights of \(what)") }
        if first.tokens.count == total { return try numbers(first) }
        guard m > 1, first.tokens.count == n else {
            let kind = first.tokens.count < total ? "too few" : "too many"
            throw LRPError.format("line \(first.number): \(kind) weights for \(what): needs \(total) values on one line (or \(m) lines of \(n)), found \(first.tokens.count)")
        }
        var weights = try numbers(first)
        weights.reserveCapacity(total)
        for row in 1..<m {
            guard let next = reader.next() else { throw truncated("row \(row + 1) of \(m) of the weights of \(what)") }
            guard next.tokens.count == n else {
                throw LRPError.format("line \(next.number): row \(row + 1) of the weights of \(what) needs \(n) values, found \(next.tokens.count)")
            }
            weights += try numbers(next)
        }
        return weights
    }

    /// The next line as exactly `count` numbers.
    private func vector(_ reader: inout LineReader, count: Int, what: String, of layer: String) throws -> [Double] {
        guard let line = reader.next() else { throw truncated("the \(what) of \(layer)") }
        guard line.tokens.count == count else {
            let kind = line.tokens.count < count ? "too few" : "too many"
            throw LRPError.format("line \(line.number): \(kind) \(what) values for \(layer): needs \(count), found \(line.tokens.count)")
        }
        return try numbers(line)
    }

    private func truncated(_ what: String) -> LRPError {
        LRPError.format("the file ends where \(what) should be (truncated file?)")
    }

    /// All tokens of a line as finite numbers.
    private func numbers(_ line: LineReader.Line) throws -> [Double] {
        var values = [Double]()
        values.reserveCapacity(line.tokens.count)
        for (i, token) in line.tokens.enumerated() {
            guard let v = Double(token), v.isFinite else {
                throw LRPError.format("line \(line.number): value \(i + 1) '\(token.prefix(40))' is not a finite number")
            }
            values.append(v)
        }
        return values
    }
}

/// Iterates over the non-blank lines of a text file with their 1-based numbers and whitespace-split tokens
/// ("\n", "\r\n" or "\r" line ends).
struct LineReader {
    /// A non-blank line.
    struct Line {
        let number: Int
        let tokens: [Substring]
    }

    private let lines: [Substring]
    private var index = 0

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        // Character-wise: "\r\n" is a single Character in Swift, so split on every kind of line end.
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    /// The next line that has at least one token, or nil at the end of the file.
    mutating func next() -> Line? {
        while index < lines.count {
            let number = index + 1
            let tokens = lines[index].split(whereSeparator: \.isWhitespace)
            index += 1
            if !tokens.isEmpty { return Line(number: number, tokens: tokens) }
        }
        return nil
    }
}
