import CLRPHeader
import LRP

/// Runs the body of exported function `function`: maps a thrown `LRPError` to its status and records the
/// message (prefixed with the function's name) as the thread's last error.
@inline(__always)
func guarded(_ function: StaticString, _ body: () throws -> Void) -> lrp_status {
    do {
        try body()
        return LRP_OK
    } catch let error as LRPError {
        LastError.set("\(function): \(error.message)")
        return status(of: error)
    } catch {
        LastError.set("\(function): \(error)")
        return LRP_ERR_ARGUMENT
    }
}

/// `guarded` for a function of one model: `body` runs with the model's handle while holding the model's lock,
/// so calls on one model from several threads take turns instead of interleaving.
func guarded(_ function: StaticString, model: OpaquePointer?, _ body: (ModelHandle) throws -> Void) -> lrp_status {
    guarded(function) { try ModelHandle.from(model).serialized(body) }
}

/// The C status for an error.
func status(of error: LRPError) -> lrp_status {
    switch error {
    case .argument: return LRP_ERR_ARGUMENT
    case .io: return LRP_ERR_IO
    case .format: return LRP_ERR_FORMAT
    case .shape: return LRP_ERR_SHAPE
    case .state: return LRP_ERR_STATE
    case .unsupported: return LRP_ERR_UNSUPPORTED
    case .memory: return LRP_ERR_MEMORY
    }
}
