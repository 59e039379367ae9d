import LRP

/// Checks a pointer argument that must not be NULL.
@inline(__always)
func required<T>(_ pointer: T?, _ name: String) throws -> T {
    guard let pointer else { throw LRPError.argument("\(name) is NULL") }
    return pointer
}

/// A caller's NUL-terminated string argument.
func string(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
    String(cString: try required(pointer, name))
}

/// An optional string argument (NULL → nil).
func optionalString(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}

/// A caller's shape: `rank` dimensions, checked (rank 1 … LRP_MAX_RANK, dimensions ≥ 1).
func shape(_ rank: Int32, _ dims: UnsafePointer<Int64>?, _ name: String) throws -> (shape: [Int], count: Int) {
    guard (1...Int32(Shape.maxRank)).contains(rank) else {
        throw LRPError.argument("\(name) rank must be between 1 and \(Shape.maxRank), got \(rank)")
    }
    let dims = try required(dims, "\(name) shape")
    let shape = (0..<Int(rank)).map { Int(dims[$0]) }
    return (shape, try Shape.validateInput(shape, what: name))
}

/// Checks that a caller's buffer of `capacity` doubles holds `needed`.
func checkCapacity(_ capacity: Int64, _ needed: Int, _ what: String) throws {
    guard capacity >= 0, Int(capacity) >= needed else {
        throw LRPError.shape("\(what) holds \(capacity) values, \(needed) are needed")
    }
}

/// Writes `shape` to a caller's rank and LRP_MAX_RANK-sized shape buffer.
func writeShape(_ shape: [Int], rank: UnsafeMutablePointer<Int32>, dims: UnsafeMutablePointer<Int64>) {
    rank.pointee = Int32(shape.count)
    for (i, d) in shape.enumerated() { dims[i] = Int64(d) }
}

/// Copies `text` with its NUL into a caller's buffer of `capacity` bytes, or fails without writing.
func copyString(_ text: String, to buffer: UnsafeMutablePointer<CChar>, capacity: Int64, _ what: String) throws {
    let utf8 = Array(text.utf8CString)
    guard capacity >= 0, Int(capacity) >= utf8.count else {
        throw LRPError.shape("\(what) needs \(utf8.count) bytes with its NUL, the buffer holds \(capacity)")
    }
    for (i, c) in utf8.enumerated() { buffer[i] = c }
}

/// The "needed / capacity 0 only asks" protocol of list functions (lrp_array_keys, lrp_layer_kinds): the bytes
/// `text` needs with its NUL into `needed`, and the text into `buffer` unless `capacity` is 0.
func reportString(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int64,
                  needed: UnsafeMutablePointer<Int64>, _ what: String) throws {
    needed.pointee = Int64(text.utf8.count + 1)
    if capacity > 0 { try copyString(text, to: try required(buffer, "buf"), capacity: capacity, what) }
}

/// A caller's input batch: `rank` dims in `dims`, values copied from `x` (double or float) into a tensor of
/// `precision` (the model's: the values are converted once, here).
func input<T: Real>(_ x: UnsafePointer<T>?, _ rank: Int32, _ dims: UnsafePointer<Int64>?, _ name: String = "x",
                    precision: Precision = T.precision) throws -> Tensor {
    let x = try required(x, name)
    let (inputShape, count) = try shape(rank, dims, "input")
    return try Tensor(shape: inputShape, converting: UnsafeBufferPointer(start: x, count: count), to: precision)
}

/// A caller's flat array of `count` values (count ≥ 1), copied into a tensor of `precision`.
func values<T: Real>(_ pointer: UnsafePointer<T>?, _ count: Int64, _ name: String,
                     precision: Precision = T.precision) throws -> Tensor {
    let p = try required(pointer, name)
    guard count >= 1 else { throw LRPError.shape("\(name) has \(count) values") }
    return try Tensor(shape: [Int(count)], converting: UnsafeBufferPointer(start: p, count: Int(count)), to: precision)
}

/// Checks that a caller's array of `count` values fits the output it belongs to.
func checkCount(_ count: Int64, _ name: String, fits output: Tensor) throws {
    guard count == Int64(output.count) else {
        throw LRPError.shape("\(name) has \(count) values, the output of the last forward pass (\(Shape.describe(output.shape))) has \(output.count)")
    }
}

/// The output buffers of a forward call (double or float values), checked for NULL.
struct OutputBuffers<T: Real> {
    let values: UnsafeMutablePointer<T>
    let rank: UnsafeMutablePointer<Int32>
    let shape: UnsafeMutablePointer<Int64>
}

func outputBuffers<T: Real>(_ y: UnsafeMutablePointer<T>?, _ rank: UnsafeMutablePointer<Int32>?,
                            _ shape: UnsafeMutablePointer<Int64>?) throws -> OutputBuffers<T> {
    OutputBuffers(values: try required(y, "y"), rank: try required(rank, "y_rank"), shape: try required(shape, "y_shape"))
}

/// Writes a result and its shape to a forward call's buffers (capacity checked by the caller).
func write<T: Real>(_ tensor: Tensor, to out: OutputBuffers<T>, capacity: Int64) {
    copy(tensor, to: out.values)
    writeShape(tensor.shape, rank: out.rank, dims: out.shape)
}

/// Copies a tensor's values to a caller's buffer of doubles or floats, converting them where the precisions
/// differ (its capacity checked by the caller).
func copy<T: Real>(_ tensor: Tensor, to destination: UnsafeMutablePointer<T>) {
    tensor.withUnsafeBufferPointer(as: T.self) { source in
        if let base = source.baseAddress { destination.update(from: base, count: source.count) }
    }
}

extension Array {
    /// Element `i`, or nil when `i` is out of range.
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
