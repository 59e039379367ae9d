/// A 2-D convolution over N×H×W×D images (the toolbox's `Convolution(filtersize=(hf, wf, df, nf),
/// stride=(sh, sw))`): W is hf×wf×df×nf, B has nf entries, and without padding the output is
/// N×Hout×Wout×nf with Hout = (H − hf) div sh + 1, Wout = (W − wf) div sw + 1. A placement adds zero padding
/// (explicit, or Keras 'same'); with `groups` > 1 (Caffe) each group of df/groups input channels feeds its
/// nf/groups filters only, and W holds zeros between groups.
///
/// Computed as a matrix product over patches (im2col), in chunks of output pixels.
public struct Convolution: Layer, KernelLayer {
    /// hf, wf: the filter's height and width.
    public let filterHeight: Int, filterWidth: Int
    /// df: input channels.
    public let inputChannels: Int
    /// nf: number of filters (output channels).
    public let filters: Int
    /// sh, sw: the stride.
    public let strideHeight: Int, strideWidth: Int
    /// W, hf×wf×df×nf. Shared storage: writing through `withUnsafeMutableStorage` changes the layer.
    public let weights: Tensor
    /// B, nf values (shared like `weights`).
    public let bias: Tensor
    /// W⁺, W⁻ and the other modified weights rules read, kept until W changes.
    let modified = ModifiedWeights()
    /// The PatternNet signal directions (shaped like W), when fitted or loaded.
    let patternSlot: PatternSlot
    /// Padding (and rounding) of the windows.
    public let placement: WindowPlacement
    /// Channel groups (1: every filter sees every input channel).
    public let groups: Int

    /// A layer with the given filter bank (hf·wf·df·nf values, C order) and bias (nf values).
    public init(filterHeight: Int, filterWidth: Int, inputChannels: Int, filters: Int,
                strideHeight: Int, strideWidth: Int, weights: [Double], bias: [Double],
                placement: WindowPlacement = .valid, groups: Int = 1) throws {
        let filterShape = [filterHeight, filterWidth, inputChannels, filters]
        try Self.validate(filterShape, strideHeight, strideWidth)
        let count = try Shape.count(filterShape)
        guard weights.count == count else {
            throw LRPError.shape("Convolution \(Shape.describe(filterShape)) needs \(count) weights, got \(weights.count)")
        }
        guard bias.count == filters else {
            throw LRPError.shape("Convolution with \(filters) filters needs \(filters) bias values, got \(bias.count)")
        }
        try self.init(weights: try Tensor(shape: filterShape, data: weights), bias: try Tensor(shape: [filters], data: bias),
                      strideHeight: strideHeight, strideWidth: strideWidth, placement: placement, groups: groups)
    }

    /// A layer sharing the given parameter tensors (W of shape hf×wf×df×nf, B of shape nf).
    public init(weights: Tensor, bias: Tensor, strideHeight: Int, strideWidth: Int,
                placement: WindowPlacement = .valid, groups: Int = 1) throws {
        try self.init(weights: weights, bias: bias, strideHeight: strideHeight, strideWidth: strideWidth, placement: placement,
                      groups: groups, patterns: PatternSlot())
    }

    /// A layer sharing the given parameter tensors and pattern slot.
    init(weights: Tensor, bias: Tensor, strideHeight: Int, strideWidth: Int, placement: WindowPlacement, groups: Int,
         patterns: PatternSlot) throws {
        guard weights.rank == 4, bias.shape == [weights.shape[3]] else {
            throw LRPError.shape("Convolution needs W of shape hf×wf×df×nf and B of shape nf, got \(Shape.describe(weights.shape)) and \(Shape.describe(bias.shape))")
        }
        try Self.validate(weights.shape, strideHeight, strideWidth)
        guard groups >= 1, weights.shape[2] % groups == 0, weights.shape[3] % groups == 0 else {
            throw LRPError.argument("Convolution groups (\(groups)) must divide its \(weights.shape[2]) input channels and \(weights.shape[3]) filters")
        }
        (filterHeight, filterWidth, inputChannels, filters) = (weights.shape[0], weights.shape[1], weights.shape[2], weights.shape[3])
        (self.strideHeight, self.strideWidth) = (strideHeight, strideWidth)
        self.weights = weights
        self.bias = bias
        self.placement = placement
        self.groups = groups
        patternSlot = patterns
    }

    /// Checks sizes and strides (≥ 1) and that the receptive field fits BLAS's 32-bit sizes.
    private static func validate(_ filterShape: [Int], _ strideHeight: Int, _ strideWidth: Int) throws {
        let dims = filterShape + [strideHeight, strideWidth]
        guard dims.allSatisfy({ $0 >= 1 }) else {
            throw LRPError.argument("Convolution needs sizes and strides ≥ 1, got \(dims.map(String.init).joined(separator: " "))")
        }
        let field = try Shape.count(Array(filterShape[0..<3]))
        try BLAS.checkDimension(field, "a Convolution's receptive field (hf·wf·df)")
        try BLAS.checkDimension(filterShape[3], "Convolution filters")
    }

    public var header: String {
        (["Convolution \(filterHeight) \(filterWidth) \(inputChannels) \(filters) \(strideHeight) \(strideWidth)"]
            + placement.options + (groups > 1 ? ["groups=\(groups)"] : [])).joined(separator: " ")
    }

    /// The window geometry for an input shape, with shape errors that name the mismatch.
    func windows(for shape: [Int]) throws -> WindowGeometry {
        try expectRank(shape, 4, "N×H×W×\(inputChannels) (rank 4)")
        guard shape[3] == inputChannels else {
            throw LRPError.shape("expects \(inputChannels) input channels (N×H×W×\(inputChannels)), got \(Shape.describe(shape))")
        }
        return try WindowGeometry(height: shape[1], width: shape[2], channels: inputChannels,
                                  window: (filterHeight, filterWidth), stride: (strideHeight, strideWidth), placement: placement)
    }

    public func outputShape(for shape: [Int]) throws -> [Int] {
        let w = try windows(for: shape)
        return [shape[0], w.outputHeight, w.outputWidth, filters]
    }

    /// The affine map of this layer for an input of `shape`.
    func map(for shape: [Int]) throws -> AffineMap {
        AffineMap(geometry: PatchGeometry(kind: .windows(try windows(for: shape)), batch: shape[0]),
                  weights: weights, bias: bias, outputs: filters, groups: groups, modified: modified)
    }

    /// The affine map for an input of `shape` (checked).
    func affineMap(for shape: [Int]) throws -> AffineMap { try map(for: shape) }

    public func forward(_ x: Tensor) throws -> Tensor {
        try map(for: x.shape).forward(x, outputShape: try outputShape(for: x.shape))
    }

    public var parameters: [Tensor] { [weights, bias] }

    public func replacingParameters(_ tensors: [Tensor]) throws -> any Layer {
        guard tensors.count == 2, tensors[0].shape == weights.shape, tensors[1].shape == bias.shape else {
            throw LRPError.shape("\(header) takes W \(Shape.describe(weights.shape)) and B \(Shape.describe(bias.shape))")
        }
        return try Convolution(weights: tensors[0], bias: tensors[1], strideHeight: strideHeight, strideWidth: strideWidth,
                               placement: placement, groups: groups, patterns: try patternSlot.copy(in: tensors[0].precision))
    }

    /// The plain gradients: for the input (no scaling), DW and DB.
    public func backward(_ dy: Tensor, input x: Tensor, output y: Tensor) throws -> (input: Tensor, parameters: [Tensor]) {
        let g = try map(for: x.shape).gradients(dy, input: x)
        if groups > 1 {
            // Weights between groups are structurally zero and stay so.
            func run<T: Real>(_: T.Type) {
                let (dw, perGroupIn, perGroupOut) = (g.weights.mutablePointer(T.self), inputChannels / groups, filters / groups)
                for k in 0..<(filterHeight * filterWidth * inputChannels) {
                    for j in 0..<filters where (k % inputChannels) / perGroupIn != j / perGroupOut { dw[k * filters + j] = 0 }
                }
            }
            g.weights.precision.select(run(Double.self), run(Float.self))
        }
        return (g.input, [g.weights, g.bias])
    }

    /// W −= lr·DW/sqrt(hf·wf·df·Hout·Wout); B −= lr·DB/sqrt(Hout·Wout).
    public func update(_ gradients: [Tensor], outputShape: [Int], learningRate: Double) throws {
        guard gradients.count == 2 else { throw LRPError.state("\(header) has no gradients: run backward first") }
        guard outputShape.count == 4 else { throw LRPError.shape("expects an output N×Hout×Wout×\(filters), got \(Shape.describe(outputShape))") }
        let positions = Double(outputShape[1] * outputShape[2])
        let field = Double(filterHeight * filterWidth * inputChannels)
        try subtract(gradients[0], scaledBy: learningRate / (field * positions).squareRoot(), from: weights)
        try subtract(gradients[1], scaledBy: learningRate / positions.squareRoot(), from: bias)
    }

    public func relevance(_ r: Tensor, input x: Tensor, output y: Tensor, rule: Rule) throws -> Tensor {
        if rule.usesPatterns { return try patternRelevance(r, input: x, rule: rule) }
        if rule.isGradientFamily { return try gradientRelevance(r, input: x, output: y, rule: rule) }
        return try map(for: x.shape).relevance(r, input: x, output: y, rule: rule)
    }

    /// The transposed convolution of r (no weight gradients).
    public func gradient(_ r: Tensor, input x: Tensor, output y: Tensor, mode: GradientMode) throws -> Tensor {
        try map(for: x.shape).inputGradient(r, x)
    }
}
