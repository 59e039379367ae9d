import Foundation
import LRP
import Testing

/// Where the shared test material lives (`../shared` beside the repository) and whether tests may use it.
///
/// Without `../shared`, tests that need it are skipped with a message — unless `CI=true`, where they run
/// and fail loudly, because CI always has it.
enum Shared {
    /// The repository root (three levels above this file).
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared`.
    static let root = repository.deletingLastPathComponent().appendingPathComponent("shared")

    /// True when CI=true.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// True when `../shared` exists.
    static let isPresent = FileManager.default.fileExists(atPath: root.appendingPathComponent("golden").path)

    /// Tests that need `../shared` run when it is present, and always under CI (where its absence fails).
    static let enabled = isPresent || isCI

    /// The message shown when such tests are skipped.
    static let skipMessage: Comment = "../shared is missing: golden and shared-model tests are skipped (they fail under CI=true)"

    /// The path of `relative` inside `../shared`; under CI a missing file is recorded as a failure.
    static func path(_ relative: String) -> String {
        let path = root.appendingPathComponent(relative).path
        if !FileManager.default.fileExists(atPath: path) {
            Issue.record("missing shared file \(path) (CI=\(isCI))")
        }
        return path
    }
}

/// The golden tolerance of golden/README.md: max |a − b| / max(1e-12, max |b|).
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    var worst = 0.0, scale = 0.0
    for i in a.indices {
        worst = max(worst, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
        if a[i].isNaN != b[i].isNaN { return .infinity }
    }
    return worst / max(1e-12, scale)
}

/// Records a failure unless `actual` matches `expected` within `tolerance` (relative, as above) and shape.
func expectClose(_ actual: Tensor, _ expected: Tensor, tolerance: Double = 1e-9, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)",
            sourceLocation: sourceLocation)
    let error = relativeError(actual.data, expected.data)
    if ProcessInfo.processInfo.environment["LRP_REPORT_ERRORS"] != nil {
        print("relative error \(what): \(error)")
    }
    #expect(error <= tolerance, "\(what): relative error \(error) > \(tolerance)", sourceLocation: sourceLocation)
}

/// Reads a model file that holds a chain of layers.
func readChain(_ path: String, format: String? = nil) throws -> Sequential {
    guard let chain = try ModelFormats.read(path: path, format: format) as? Sequential else {
        throw LRPError.state("'\(path)' holds a graph, not a chain")
    }
    return chain
}
