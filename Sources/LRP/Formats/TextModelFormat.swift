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

    public func read(path: String) throws -> Sequential {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") { try parse(bytes) }
    }

    public func write(_ model: Sequential, path: String) throws {
        try FileIO.writeAtomically(Array(serialize(model).utf8), to: path)
    }

    /// The text of `model` in the current form.
    public func serialize(_ model: Sequential) throws -> String {
        var text = ""
        for (i, layer) in model.layers.enumerated() {
            text += layer.header + "\n"
            switch layer {
            case let linear as Linear:
                text += line(linear.weights) + line(linear.bias)
            case let convolution as Convolution:
                text += line(convolution.weights) + line(convolution.bias)
            case is SumPool, is MaxPool, is Flatten, is Rect, is Tanh, is SoftMax:
                break
            default:
                throw LRPError.unsupported("layer \(i) (\(layer.header)) cannot be written in the text format")
            }
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

    /// The layer names the format knows.
    static let layerNames = ["Linear", "Convolution", "SumPool", "MaxPool", "Flatten", "Rect", "Tanh", "SoftMax"]

    private func parseLayer(_ header: LineReader.Line, _ reader: inout LineReader) throws -> any Layer {
        let name = String(header.tokens[0])
        let arguments = Array(header.tokens.dropFirst())
        let at = "line \(header.number)"
        switch name {
        case "Linear":
            let d = try integers(arguments, count: 2, form: "Linear m n", at)
            let (m, n) = (d[0], d[1])
            let what = "Linear \(m) \(n) (line \(header.number))"
            let total = try product([m, n], at)
            guard let first = reader.next() else { throw truncated("the weights of \(what)") }
            var weights: [Double]
            if first.tokens.count == total {
                weights = try numbers(first)
            } else if m > 1, first.tokens.count == n {
                // The older form: m lines of n values.
                weights = try numbers(first)
                weights.reserveCapacity(total)
                for row in 1..<m {
                    guard let next = reader.next() else { throw truncated("row \(row + 1) of \(m) of the weights of \(what)") }
                    guard next.tokens.count == n else {
                        throw LRPError.format("line \(next.number): row \(row + 1) of the weights of \(what) needs \(n) values, found \(next.tokens.count)")
                    }
                    weights += try numbers(next)
                }
            } else {
                let kind = first.tokens.count < total ? "too few" : "too many"
                throw LRPError.format("line \(first.number): \(kind) weights for \(what): needs \(total) values on one line (or \(m) lines of \(n)), found \(first.tokens.count)")
            }
            let bias = try vector(&reader, count: n, what: "bias", of: what)
            return try Linear(inputs: m, outputs: n, weights: weights, bias: bias)
        case "Convolution":
            let d = try integers(arguments, count: 6, form: "Convolution hf wf df nf sh sw", at)
            let what = "Convolution \(d.map(String.init).joined(separator: " ")) (line \(header.number))"
            let total = try product(Array(d[0..<4]), at)
            let weights = try vector(&reader, count: total, what: "weights", of: what)
            let bias = try vector(&reader, count: d[3], what: "bias", of: what)
            return try Convolution(filterHeight: d[0], filterWidth: d[1], inputChannels: d[2], filters: d[3],
                                   strideHeight: d[4], strideWidth: d[5], weights: weights, bias: bias)
        case "SumPool":
            let d = try integers(arguments, count: 4, form: "SumPool ph pw sh sw", at)
            return try SumPool(pool: (d[0], d[1]), stride: (d[2], d[3]))
        case "MaxPool":
            let d = try integers(arguments, count: 4, form: "MaxPool ph pw sh sw", at)
            return try MaxPool(pool: (d[0], d[1]), stride: (d[2], d[3]))
        case "Flatten", "Rect", "Tanh", "SoftMax":
            guard arguments.isEmpty else {
                throw LRPError.format("\(at): \(name) takes no parameters, found '\(arguments.joined(separator: " "))'")
            }
            switch name {
            case "Flatten": return Flatten()
            case "Rect": return Rect()
            case "Tanh": return Tanh()
            default: return SoftMax()
            }
        default:
            throw LRPError.format("\(at): unknown layer name '\(name)' (known: \(Self.layerNames.joined(separator: ", ")))")
        }
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

    /// A header's integer parameters: exactly `count`, each ≥ 1.
    private func integers(_ tokens: [Substring], count: Int, form: String, _ at: String) throws -> [Int] {
        guard tokens.count == count else {
            throw LRPError.format("\(at): expected '\(form)' (\(count) integers after the name), found \(tokens.count)")
        }
        return try tokens.map { token in
            guard let value = Int(token) else { throw LRPError.format("\(at): '\(token)' is not an integer in '\(form)'") }
            guard value >= 1 else { throw LRPError.format("\(at): sizes in '\(form)' must be ≥ 1, got \(value)") }
            return value
        }
    }

    private func product(_ dims: [Int], _ at: String) throws -> Int {
        var total = 1
        for d in dims {
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow else { throw LRPError.format("\(at): the declared sizes are too large") }
            total = p
        }
        return total
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
