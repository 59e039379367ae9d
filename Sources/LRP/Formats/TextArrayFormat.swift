/// Whitespace-separated numbers, one row per line, as `numpy.loadtxt` reads them (and the LRP Toolbox's
/// `data_io` writes them): '#' starts a comment, blank lines are skipped. A single row or a single column
/// reads as a vector, a single value as a scalar, anything else as a rows×columns matrix. Writes vectors
/// one value per line and matrices row by row, with round-trip precision.
public struct TextArrayFormat: ArrayFormat {
    public let name = "txt"
    public let extensions = ["txt", "csv"]

    /// The format.
    public init() {}

    public func read(path: String, key: String?) throws -> Tensor {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") { try Self.parse(bytes) }
    }

    /// The array in the text.
    public static func parse(_ bytes: [UInt8]) throws -> Tensor {
        let text = String(decoding: bytes, as: UTF8.self)
        var rows = 0, columns = -1, firstLine = 0
        var values: [Double] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let tokens = line.split(whereSeparator: { $0.isWhitespace || $0 == "," })
            guard !tokens.isEmpty else { continue }
            if columns < 0 {
                columns = tokens.count
                firstLine = index + 1
            } else if tokens.count != columns {
                throw LRPError.format("line \(index + 1) has \(tokens.count) values, line \(firstLine) has \(columns)")
            }
            for (i, token) in tokens.enumerated() {
                guard let v = Double(token) else {
                    throw LRPError.format("line \(index + 1): value \(i + 1) '\(token.prefix(40))' is not a number")
                }
                values.append(v)
            }
            rows += 1
        }
        guard rows > 0 else { throw LRPError.format("the file holds no numbers") }
        let shape: [Int]
        if rows == 1 && columns == 1 { shape = [] }
        else if rows == 1 { shape = [columns] }
        else if columns == 1 { shape = [rows] }
        else { shape = [rows, columns] }
        return try Tensor(shape: shape, data: values)
    }

    public func write(_ array: Tensor, path: String) throws {
        try FileIO.writeAtomically(Array(try Self.serialize(array).utf8), to: path)
    }

    /// The text of a scalar, vector or matrix.
    public static func serialize(_ array: Tensor) throws -> String {
        let columns: Int
        switch array.rank {
        case 0, 1: columns = 1
        case 2: columns = array.shape[1]
        default:
            throw LRPError.unsupported("the text format holds at most 2 dimensions, the array is \(Shape.describe(array.shape))")
        }
        var out = ""
        for (i, v) in array.data.enumerated() {
            out += v.description
            out += (i + 1) % Swift.max(columns, 1) == 0 ? "\n" : " "
        }
        return out
    }
}
