import LRP
import Testing

/// backward against central finite differences of L = Σ dy ⊙ layer(x), on small random layers.
@Suite("Gradient check of backward")
struct GradientTests {
    /// Numerical dL/dv for every element of v, where `loss` evaluates L with v replaced.
    static func numerical(_ v: [Double], _ loss: ([Double]) throws -> Double) throws -> [Double] {
        let h = 1e-6
        return try v.indices.map { i in
            var plus = v, minus = v
            plus[i] += h; minus[i] -= h
            return (try loss(plus) - loss(minus)) / (2 * h)
        }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Checks dx (divided by `scale`, the toolbox's conditioning) and the parameter gradients of a layer
    /// built by `make(parameters)` from parameter arrays.
    static func check(_ name: String, inputShape: [Int], parameters: [[Double]] = [], inputScale: Double = 1,
                      make: @escaping ([[Double]]) throws -> any Layer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var random = SeededRandom(seed: 17)
        let layer = try make(parameters)
        let x = try Tensor(shape: inputShape, data: random.uniform(try Shape.count(inputShape)))
        let y = try layer.forward(x)
        let dy = try Tensor(shape: y.shape, data: random.uniform(y.count))
        let (dx, gradients) = try layer.backward(dy, input: x, output: y)
        let numericX = try numerical(x.data) { v in dot(try layer.forward(try Tensor(shape: inputShape, data: v)).data, dy.data) }
        #expect(relativeError(dx.data.map { $0 / inputScale }, numericX) <= 1e-7, "\(name): dx", sourceLocation: sourceLocation)
        for (index, values) in parameters.enumerated() {
            let numericP = try numerical(values) { v in
                var changed = parameters
                changed[index] = v
                return dot(try make(changed).forward(x).data, dy.data)
            }
            #expect(relativeError(gradients[index].data, numericP) <= 1e-7, "\(name): parameter \(index)", sourceLocation: sourceLocation)
        }
    }

    @Test("Linear: dW, dB plain, dx scaled by sqrt(m)/sqrt(n)")
    func linear() throws {
        var random = SeededRandom(seed: 1)
        try Self.check("Linear", inputShape: [3, 5], parameters: [random.uniform(20), random.uniform(4)],
                       inputScale: (5.0).squareRoot() / (4.0).squareRoot()) { p in
            try Linear(inputs: 5, outputs: 4, weights: p[0], bias: p[1])
        }
    }

    @Test("Convolution: plain gradients, stride below and at the filter size", arguments: [(1, 1), (2, 1), (2, 2)])
    func convolution(_ stride: (Int, Int)) throws {
        var random = SeededRandom(seed: 2)
        try Self.check("Convolution", inputShape: [2, 6, 5, 2], parameters: [random.uniform(2 * 3 * 2 * 3), random.uniform(3)]) { p in
            try Convolution(filterHeight: 2, filterWidth: 3, inputChannels: 2, filters: 3, strideHeight: stride.0,
                            strideWidth: stride.1, weights: p[0], bias: p[1])
        }
    }

    @Test("pools and element-wise layers")
    func others() throws {
        try Self.check("SumPool overlapping", inputShape: [2, 5, 5, 2]) { _ in try SumPool(pool: (3, 2), stride: (1, 2)) }
        try Self.check("MaxPool (no ties)", inputShape: [2, 6, 6, 2]) { _ in try MaxPool(pool: (2, 2), stride: (2, 2)) }
        try Self.check("Tanh", inputShape: [3, 4]) { _ in Tanh() }
        try Self.check("Rect", inputShape: [3, 4]) { _ in Rect() }
        try Self.check("Flatten", inputShape: [2, 2, 3, 1]) { _ in Flatten() }
    }

    @Test("SoftMax passes the gradient through, as the toolbox trains it")
    func softmax() throws {
        let x = try Tensor(shape: [2, 3], data: [1, 2, 3, 0, -1, 4])
        let y = try SoftMax().forward(x)
        let dy = try Tensor(shape: [2, 3], data: [0.5, -1, 2, 0, 1, -3])
        #expect(try SoftMax().backward(dy, input: x, output: y).input == dy)
    }
}
