/// The element-wise sum of several inputs of one shape (residual connections; Keras' Add, Caffe's Eltwise
/// SUM). Relevance is split over the summands as over the inputs of an affine map with weights 1 (`RuleTerms`
/// on `SparseAffine`): simple and epsilon R_k = x_k·R/(Σx + ε·sign(Σx)) (ε = 1e-16 for simple); alphabeta with
/// the positive and negative summands apart; ww and flat R/K to each of the K summands.
public struct Add: MergeLayer {
    /// The node (it has no parameters).
    public init() {}
    public var header: String { "Add" }

    public func outputShape(for shapes: [[Int]]) throws -> [Int] {
        guard let first = shapes.first, shapes.count >= 2 else { throw LRPError.shape("Add needs at least two inputs, got \(shapes.count)") }
        guard shapes.allSatisfy({ $0 == first }) else {
            throw LRPError.shape("Add needs inputs of one shape, got \(shapes.map(Shape.describe).joined(separator: ", "))")
        }
        return first
    }

    public func forward(_ xs: [Tensor]) throws -> Tensor {
        let shape = try outputShape(for: xs.map(\.shape)), precision = xs[0].precision
        func run<T: Real>(_: T.Type) throws -> Tensor {
            let out = try Tensor.zeros(shape, precision)
            let op = out.mutablePointer(T.self)
            for x in xs {
                x.withUnsafeBufferPointer(as: T.self) { xp in for i in 0..<out.count { op[i] += xp[i] } }
            }
            return out
        }
        return try precision.select(run(Double.self), run(Float.self))
    }

    public func relevance(_ r: Tensor, inputs xs: [Tensor], output y: Tensor, rule: Rule) throws -> [Tensor] {
        _ = try outputShape(for: xs.map(\.shape))
        if rule.isGradientFamily { return try backward(r, inputs: xs, output: y) }
        if rule == .pass { throw LRPError.argument("the pass rule is for element-wise and reshaping layers; Add needs an LRP rule") }
        // The sum as an affine map: output j reads element j of every summand with weight 1.
        let k = xs.count, n = r.count
        let (joinedCount, overflow) = k.multipliedReportingOverflow(by: n)
        guard !overflow else { throw LRPError.memory("Add of \(k) inputs of \(n) values is too large") }
        let joined = try Concatenate.joined(xs.map { try $0.reshaped([1, n]) }, shape: [joinedCount])
        let terms = try RuleTerms.make(rule, input: joined, channels: xs[0].shape.last ?? 1, on: .affine)
        let sparse = SparseAffine(outputCount: n, connections: { j, visit in for i in 0..<k { visit(i * n + j, 1) } }, bias: { _ in 0 })
        let all = try sparse.relevance(try r.reshaped([n]), input: joined, output: try y.reshaped([n]), terms: terms)
        return try Concatenate.split(try all.reshaped([1, joinedCount]), widths: xs.map { _ in n }, shapes: xs.map(\.shape))
    }

    public func backward(_ dy: Tensor, inputs xs: [Tensor], output y: Tensor) throws -> [Tensor] {
        xs.map { _ in dy.view }  // one read-only view per input: no branch can write into another's
    }
}
