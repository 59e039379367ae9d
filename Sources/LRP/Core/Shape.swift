/// Helpers for array shapes: lists of dimensions, batch first, row-major.
public enum Shape {
    /// The largest rank the C API passes (LRP_MAX_RANK).
    public static let maxRank = 8

    /// The number of elements of `shape`, or an error when a dimension is negative or the product overflows.
    public static func count(_ shape: [Int]) throws -> Int {
        var total = 1
        for d in shape {
            guard d >= 0 else { throw LRPError.shape("negative dimension in shape \(describe(shape))") }
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow else { throw LRPError.shape("shape \(describe(shape)) has too many elements") }
            total = product
        }
        return total
    }

    /// The sum of sizes (a padded dimension, concatenated channels); a shape error instead of an overflow.
    public static func sum(_ sizes: Int...) throws -> Int { try sum(sizes) }

    /// The sum of sizes; a shape error instead of an overflow.
    public static func sum(_ sizes: [Int]) throws -> Int {
        var total = 0
        for size in sizes {
            let (next, overflow) = total.addingReportingOverflow(size)
            guard !overflow else { throw LRPError.shape("the sizes \(sizes.map(String.init).joined(separator: " + ")) overflow") }
            total = next
        }
        return total
    }

    /// A shape written as "8×28×28×1" (the form every message uses).
    public static func describe(_ shape: [Int]) -> String {
        shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×")
    }

    /// Checks a caller-supplied shape: rank 1 ... maxRank, every dimension ≥ 1; returns the element count.
    public static func validateInput(_ shape: [Int], what: String = "input") throws -> Int {
        guard (1...maxRank).contains(shape.count) else {
            throw LRPError.argument("\(what) rank must be between 1 and \(maxRank), got \(shape.count)")
        }
        guard shape.allSatisfy({ $0 >= 1 }) else {
            throw LRPError.argument("\(what) shape \(describe(shape)) has a dimension smaller than 1")
        }
        return try count(shape)
    }
}
