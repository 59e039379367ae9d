/// The errors the core throws. Each case corresponds to one `lrp_status` of the C API and carries a message
/// that names what is wrong and where (file and line, layer, shapes).
public enum LRPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A bad argument: unknown rule or format name, bad parameter, layer index out of range, missing value.
    case argument(String)
    /// A file that is missing, unreadable or unwritable.
    case io(String)
    /// Malformed or truncated file content.
    case format(String)
    /// An array that does not fit the model, or a buffer that is too small.
    case shape(String)
    /// A call made in the wrong state, e.g. relevance before any forward pass.
    case state(String)
    /// A well-formed request that the library does not implement.
    case unsupported(String)
    /// An allocation that could not be satisfied.
    case memory(String)

    /// The human-readable message.
    public var message: String {
        switch self {
        case .argument(let m), .io(let m), .format(let m), .shape(let m), .state(let m), .unsupported(let m),
             .memory(let m):
            return m
        }
    }

    /// The message (for `print` and string interpolation).
    public var description: String { message }

    /// The same error with `context` put in front of its message ("context: message").
    public func prefixed(_ context: String) -> LRPError {
        let text = context + ": " + message
        switch self {
        case .argument: return .argument(text)
        case .io: return .io(text)
        case .format: return .format(text)
        case .shape: return .shape(text)
        case .state: return .state(text)
        case .unsupported: return .unsupported(text)
        case .memory: return .memory(text)
        }
    }
}

/// Runs `body`, putting `context` in front of the message of any `LRPError` it throws.
@inline(__always)
func withContext<T>(_ context: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as LRPError {
        throw error.prefixed(context())
    }
}
