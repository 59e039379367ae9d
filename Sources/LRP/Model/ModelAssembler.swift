/// Options for turning a model from another framework into ours.
public struct ImportOptions: Sendable, Equatable {
    /// Keep BatchNorm layers as separate diagonal affine layers instead of merging them into a directly
    /// preceding Linear or Convolution (canonization, the default).
    public var keepBatchNorm = false

    /// The defaults: BatchNorm merged.
    public init() {}

    /// Parses "batchnorm=keep" / "batchnorm=merge" (comma-separated; "" or nil: the defaults).
    public init(parsing text: String?) throws {
        guard let text else { return }
        for item in text.split(separator: ",").map({ $0.trimmingSpaces() }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch (parts.first ?? "", parts.count == 2 ? parts[1] : "") {
            case ("batchnorm", "keep"): keepBatchNorm = true
            case ("batchnorm", "merge"): keepBatchNorm = false
            default:
                throw LRPError.argument("unknown import option '\(item)' (known: batchnorm=keep, batchnorm=merge)")
            }
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

/// Builds a `Graph` (or, for chains, a `Sequential`) from another framework's layers as a loader walks them:
/// named tensors (Keras layer outputs, Caffe blobs) map to the nodes that produce them; identity layers
/// (Dropout, InputLayer, Split, in-place aliases) just rename a tensor. Shapes of one sample are tracked
/// where the input shape is known, for loaders that need them (Caffe's flatten order, Keras' Reshape -1).
/// At the end, BatchNorm nodes are merged into a directly preceding Linear/Convolution that feeds nothing
/// else (unless the options keep them).
struct ModelAssembler {
    private var nodes: [Graph.Node] = []
    /// Per node: the shape of one sample of its output, nil when unknown.
    private var shapes: [[Int]?] = []
    private var tensors: [String: Int] = [:]
    private var inputName: String?
    private var inputShape: [Int]?

    /// Declares the model input, with the shape of one sample when known.
    mutating func setInput(_ name: String, shape: [Int]?) throws {
        guard inputName == nil else { throw LRPError.unsupported("models with several inputs ('\(inputName ?? "")', '\(name)') are not supported") }
        if let shape {
            guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }) else {
                throw LRPError.format("input '\(name)' has the shape \(shape); every size must be known and ≥ 1")
            }
            _ = try Shape.count([1] + shape)
        }
        inputName = name
        inputShape = shape
        tensors[name] = -1
    }

    /// True once an input is declared.
    var hasInput: Bool { inputName != nil }

    /// True when a tensor of this name exists.
    func has(_ tensor: String) -> Bool { tensors[tensor] != nil }

    /// The node producing `tensor` (−1: the input), or an error naming the tensor.
    private func source(_ tensor: String) throws -> Int {
        guard let index = tensors[tensor] else { throw LRPError.format("reads '\(tensor)', which no earlier layer produces") }
        return index
    }

    /// The shape of one sample of `tensor`, nil when unknown.
    func shape(of tensor: String) throws -> [Int]? {
        let index = try source(tensor)
        return index == -1 ? inputShape : shapes[index]
    }

    /// The shape of one sample of `tensor`, or an error saying `why` it is needed.
    func requireShape(of tensor: String, for why: String) throws -> [Int] {
        guard let shape = try shape(of: tensor) else {
            throw LRPError.unsupported("\(why) needs the input shape, which the model does not declare")
        }
        return shape
    }

    /// Adds a node `name` computing `operation` from `inputs` (tensor names); its output becomes tensor
    /// `output` (default: the node's name). Checks the shapes where they are known.
    mutating func add(_ name: String, _ operation: Graph.Operation, inputs: [String], output: String? = nil) throws {
        guard !nodes.contains(where: { $0.name == name }) else { throw LRPError.format("the layer name '\(name)' is used twice") }
        let sources = try inputs.map { try source($0) }
        let inputShapes = sources.map { $0 == -1 ? inputShape : shapes[$0] }
        var shape: [Int]?
        if inputShapes.allSatisfy({ $0 != nil }) {
            let batched = inputShapes.map { [1] + ($0 ?? []) }
            let out: [Int]
            switch operation {
            case .layer(let layer):
                guard batched.count == 1 else { throw LRPError.format("'\(name)' (\(layer.header)) takes one input, got \(batched.count)") }
                out = try layer.outputShape(for: batched[0])
            case .merge(let merge): out = try merge.outputShape(for: batched)
            }
            shape = Array(out.dropFirst())
        }
        nodes.append(Graph.Node(name: name, operation: operation, inputs: sources))
        shapes.append(shape)
        tensors[output ?? name] = nodes.count - 1
    }

    /// Makes `tensor` another name for `source` (identity layers, in-place layers).
    mutating func alias(_ tensor: String, to source: String) throws {
        tensors[tensor] = try self.source(source)
    }

    /// The model whose output is `output`: a `Sequential` when it is a chain, a `Graph` otherwise.
    func finish(output: String, options: ImportOptions) throws -> any Network {
        let last = try source(output)
        guard last >= 0 else { throw LRPError.unsupported("the model's output is its input: it has no layers") }
        var (kept, outputIndex) = (nodes, last)
        if !options.keepBatchNorm { (kept, outputIndex) = try Self.mergeBatchNorms(kept, output: outputIndex) }
        // Only what the output depends on stays.
        (kept, outputIndex) = Self.pruned(kept, output: outputIndex)
        var graph = try Graph(nodes: kept, output: outputIndex)
        graph.inputShape = inputShape
        return graph.simplified()
    }

    /// Folds each BatchNorm into a directly preceding Linear/Convolution whose output nothing else reads.
    private static func mergeBatchNorms(_ nodes: [Graph.Node], output: Int) throws -> ([Graph.Node], Int) {
        var nodes = nodes
        var removed = Set<Int>()
        var replacement: [Int: Int] = [:]
        for (i, node) in nodes.enumerated() {
            guard case .layer(let layer) = node.operation, let norm = layer as? BatchNorm,
                  let p = node.inputs.first, p >= 0, p != output,
                  case .layer(let previous) = nodes[p].operation, previous is Linear || previous is Convolution else { continue }
            let readers = nodes.indices.filter { nodes[$0].inputs.contains(p) }
            guard readers == [i] else { continue }
            nodes[p] = Graph.Node(name: nodes[p].name, operation: .layer(try norm.merged(into: previous)), inputs: nodes[p].inputs)
            removed.insert(i)
            replacement[i] = p
        }
        return renumber(nodes, removed: removed, replacement: replacement, output: output)
    }

    /// Drops nodes the output does not depend on.
    private static func pruned(_ nodes: [Graph.Node], output: Int) -> ([Graph.Node], Int) {
        var needed = Set([output])
        for i in nodes.indices.reversed() where needed.contains(i) {
            for source in nodes[i].inputs where source >= 0 { needed.insert(source) }
        }
        let removed = Set(nodes.indices.filter { !needed.contains($0) })
        return renumber(nodes, removed: removed, replacement: [:], output: output)
    }

    /// The nodes without `removed`, inputs redirected through `replacement` and renumbered.
    private static func renumber(_ nodes: [Graph.Node], removed: Set<Int>, replacement: [Int: Int], output: Int) -> ([Graph.Node], Int) {
        func resolve(_ i: Int) -> Int {
            var j = i
            while let r = replacement[j] { j = r }
            return j
        }
        var newIndex: [Int: Int] = [-1: -1]
        var result: [Graph.Node] = []
        for (i, node) in nodes.enumerated() where !removed.contains(i) {
            newIndex[i] = result.count
            result.append(Graph.Node(name: node.name, operation: node.operation,
                                     inputs: node.inputs.map { newIndex[resolve($0)] ?? -1 }))
        }
        return (result, newIndex[resolve(output)] ?? 0)
    }
}
