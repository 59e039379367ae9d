import Glibc

/// Options of `Sequential.train`, with the LRP Toolbox's defaults.
public struct TrainingOptions: Sendable {
    /// Samples per iteration (distinct, drawn at random).
    public var batchSize = 25
    /// Iterations at most.
    public var iterations = 10_000
    /// The learning rate.
    public var learningRate = 0.005
    /// How the rate adapts at each improvement: nil/"none", "sublinear" (1 − accuracy²), "linear" (1 − accuracy).
    public var learningRateDecay: String?
    /// The factor on the learning rate at the start.
    public var initialFactor = 1.0
    /// Iterations between evaluations (every status/10 a batch status line).
    public var status = 250
    /// Evaluations without improvement after which training stops (≤ 0: never).
    public var convergence = -1
    /// Seed of the sample drawing: the same seed and data give the same training.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}
}

/// What training reports as it goes.
public struct TrainingEvent: Sendable {
    /// What happened.
    public enum Kind: Int32, Sendable {
        /// A batch status line (every status/10 iterations).
        case batch = 0
        /// An evaluation (every `status` iterations), with accuracy and loss.
        case evaluation = 1
        /// A progress update (at most ten per second), `message` is a one-line progress bar.
        case progress = 2
        /// The end of training.
        case done = 3
    }

    public let kind: Kind
    /// The iteration just completed (1-based).
    public let iteration: Int
    /// Iterations planned.
    public let iterations: Int
    /// The l1 loss Σ|Ypred − Y| / N of the batch (batch, progress) or of the evaluation data.
    public let loss: Double
    /// Accuracy on the evaluation data (evaluation, done), else of the last evaluation.
    public let accuracy: Double
    /// The current learning rate (rate × factor).
    public let learningRate: Double
    /// Seconds since training started, and the estimate of those left.
    public let elapsed: Double, remaining: Double
    /// The status line(s), worded as the toolbox prints them (for progress: the bar).
    public let message: String
}

/// The outcome of training.
public struct TrainingResult: Sendable {
    /// The iteration (1-based; 0: the initial parameters) whose parameters the model ends with.
    public let bestIteration: Int
    /// Their evaluation loss and accuracy.
    public let bestLoss: Double, bestAccuracy: Double
    /// Iterations run (fewer than planned after convergence).
    public let iterationsRun: Int
}

extension Network {
    /// Trains the model in place as the LRP Toolbox's Sequential.train does: each iteration draws
    /// `batchSize` distinct samples, runs forward, backward(Ypred − Y) and update(rate·factor); every
    /// `status` iterations it evaluates accuracy and l1 loss on the validation data (else the training
    /// data), keeps the parameters of the lowest loss so far, adapts the factor and counts down to
    /// convergence. The model ends with the best parameters found.
    ///
    /// - Parameters:
    ///   - x, y: training samples (N×…) and their targets (N×C, one-hot for accuracy).
    ///   - validation: optional evaluation samples and targets.
    ///   - transform: applied to each batch of samples before the forward pass (e.g. noise).
    ///   - report: receives status events; returning false stops training (as convergence would).
    /// If an iteration fails (e.g. the transform throws), the best parameters so far are restored first.
    public func train(x: Tensor, y: Tensor, validation: (x: Tensor, y: Tensor)? = nil, options: TrainingOptions = TrainingOptions(),
                      transform: ((Tensor) throws -> Tensor)? = nil,
                      report: (TrainingEvent) -> Bool = { _ in true }) throws -> TrainingResult {
        let n = try checkData(x, y, "training")
        if let validation { _ = try checkData(validation.x, validation.y, "validation") }
        guard options.batchSize >= 1, options.batchSize <= n else {
            throw LRPError.argument("batch size \(options.batchSize) must be between 1 and the \(n) training samples")
        }
        guard options.iterations >= 1, options.status >= 1 else {
            throw LRPError.argument("iterations (\(options.iterations)) and status (\(options.status)) must be ≥ 1")
        }
        guard options.learningRate.isFinite, options.initialFactor.isFinite else {
            throw LRPError.argument("the learning rate and its initial factor must be finite")
        }
        let decay = options.learningRateDecay?.lowercased() ?? "none"
        guard ["none", "sublinear", "linear"].contains(decay) else {
            throw LRPError.argument("unknown learning rate decay '\(decay)' (known: none, sublinear, linear)")
        }
        _ = try outputShape(for: x.shape)

        var random = SampleRandom(seed: options.seed)
        let start = now()
        var factor = options.initialFactor
        var untilConvergence = options.convergence
        var best = (iteration: 0, loss: Double.infinity, accuracy: 0.0, parameters: try parameterSnapshot())
        var lastAccuracy = 0.0, lastProgress = -1.0
        let batchInterval = Swift.max(1, options.status / 10)
        var iteration = 0
        var stopped = false

        do {
            while iteration < options.iterations && !stopped {
                iteration += 1
                let samples = random.distinct(options.batchSize, below: n)
                var batch = try rows(x, samples)
                if let transform { batch = try transform(batch) }
                let targets = try rows(y, samples)
                var pass = try forward(batch)
                guard let prediction = pass.output else { throw LRPError.state("the model has no layers") }
                let dy = try difference(prediction, targets)
                _ = try backward(dy, pass: &pass)
                try update(pass, learningRate: options.learningRate * factor)

                let elapsed = now() - start
                let done = Double(iteration) / Double(options.iterations)
                let remaining = elapsed / done - elapsed
                if iteration % options.status == 0 {
                    let evaluation = validation ?? (x, y)
                    let (accuracy, loss) = try evaluate(evaluation.x, evaluation.y)
                    lastAccuracy = accuracy
                    var lines = ["Accuracy after \(iteration) iterations on \(validation == nil ? "training data" : "validation set"): \(accuracy * 100)% (l1-loss: \(significant(loss, 4)))"]
                    var stop = false
                    if loss <= best.loss {
                        lines.append("    New loss-optimal parameter set encountered. saving....")
                        best = (iteration, loss, accuracy, try parameterSnapshot())
                        if decay != "none" {
                            factor = decay == "sublinear" ? 1 - accuracy * accuracy : 1 - accuracy
                            lines.append("    Adjusting learning rate to \(factor * options.learningRate) ~ \(roundTo2(factor * 100))% of its initial value")
                        }
                        untilConvergence = options.convergence
                    } else {
                        untilConvergence -= 1
                        if untilConvergence == 0 && options.convergence > 0 {
                            lines.append("    No more recorded model improvements for \(options.convergence) evaluations. Accepting model convergence.")
                            stop = true
                        }
                    }
                    if !stop {
                        lines.append("    Estimate time until current training ends : \(duration(remaining)) (\(String(format2: done * 100))% done)")
                    }
                    stopped = !report(TrainingEvent(kind: .evaluation, iteration: iteration, iterations: options.iterations, loss: loss,
                                                    accuracy: accuracy, learningRate: options.learningRate * factor, elapsed: elapsed,
                                                    remaining: remaining, message: lines.joined(separator: "\n"))) || stop
                } else if iteration % batchInterval == 0 {
                    let loss = try l1Loss(prediction, targets)
                    stopped = !report(TrainingEvent(kind: .batch, iteration: iteration, iterations: options.iterations, loss: loss,
                                                     accuracy: lastAccuracy, learningRate: options.learningRate * factor, elapsed: elapsed,
                                                     remaining: remaining,
                                                     message: "batch# \(iteration), lrate \(options.learningRate * factor), l1-loss \(significant(loss, 4))"))
                }
                if !stopped && (elapsed - lastProgress >= 0.1 || iteration == options.iterations) {
                    lastProgress = elapsed
                    let loss = try l1Loss(prediction, targets)
                    stopped = !report(TrainingEvent(kind: .progress, iteration: iteration, iterations: options.iterations, loss: loss,
                                                    accuracy: lastAccuracy, learningRate: options.learningRate * factor, elapsed: elapsed,
                                                    remaining: remaining, message: progressBar(done, loss: loss, remaining: remaining)))
                }
            }
        } catch {
            try? restore(best.parameters)
            throw error
        }
        try restore(best.parameters)
        let elapsed = now() - start
        _ = report(TrainingEvent(kind: .done, iteration: iteration, iterations: options.iterations, loss: best.loss,
                             accuracy: best.accuracy, learningRate: options.learningRate * factor, elapsed: elapsed, remaining: 0,
                             message: "Training terminated after \(duration(elapsed))\nSetting network parameters to best encountered network state with \(best.accuracy * 100)% accuracy and a loss of \(best.loss) from iteration \(best.iteration)."))
        return TrainingResult(bestIteration: best.iteration, bestLoss: best.loss, bestAccuracy: best.accuracy, iterationsRun: iteration)
    }

    /// Accuracy (argmax agreement) and l1 loss Σ|Ypred − Y| / N of the model on (x, y).
    public func evaluate(_ x: Tensor, _ y: Tensor) throws -> (accuracy: Double, loss: Double) {
        let n = try checkData(x, y, "evaluation")
        guard let prediction = try forward(x).output else { throw LRPError.state("the model has no layers") }
        let targets = try y.reshaped(prediction.shape)
        let classes = prediction.count / n
        let (p, t) = (prediction.data, targets.data)
        var correct = 0
        for row in 0..<n {
            var (bestP, bestT) = (0, 0)
            for c in 1..<Swift.max(classes, 1) {
                if p[row * classes + c] > p[row * classes + bestP] { bestP = c }
                if t[row * classes + c] > t[row * classes + bestT] { bestT = c }
            }
            if bestP == bestT { correct += 1 }
        }
        return (Double(correct) / Double(n), try l1Loss(prediction, targets))
    }

    // MARK: Helpers

    private func checkData(_ x: Tensor, _ y: Tensor, _ what: String) throws -> Int {
        guard let n = x.shape.first, n >= 1, y.shape.first == n else {
            throw LRPError.shape("\(what) samples \(Shape.describe(x.shape)) and targets \(Shape.describe(y.shape)) need the same number of rows (≥ 1)")
        }
        let expected = try outputShape(for: x.shape)
        guard y.count == (try Shape.count(expected)) else {
            throw LRPError.shape("\(what) targets \(Shape.describe(y.shape)) do not fit the model's output \(Shape.describe(expected))")
        }
        return n
    }

    private func rows(_ t: Tensor, _ indices: [Int]) throws -> Tensor {
        let width = t.count / t.shape[0]
        let out = try Tensor.uninitialized([indices.count] + Array(t.shape.dropFirst()), t.precision)
        func run<T: Real>(_: T.Type) {
            let (src, dst) = (t.pointer(T.self), out.mutablePointer(T.self))
            for (k, i) in indices.enumerated() { (dst + k * width).update(from: src + i * width, count: width) }
        }
        t.precision.select(run(Double.self), run(Float.self))
        return out
    }

    private func difference(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        func run<T: Real>(_: T.Type) throws -> Tensor { try a.elementwise(b) { (p: T, q: T) in p - q } }
        return try a.precision.select(run(Double.self), run(Float.self))
    }

    private func l1Loss(_ prediction: Tensor, _ targets: Tensor) throws -> Double {
        let (p, q) = (prediction.data, targets.data)
        var total = 0.0
        for i in 0..<prediction.count { total += abs(p[i] - q[i]) }
        return total / Double(prediction.shape[0])
    }

    private func parameterSnapshot() throws -> [[Tensor]] {
        try (0..<layerCount).map { try parameters(of: $0).map { try $0.copy() } }
    }

    private func restore(_ snapshot: [[Tensor]]) throws {
        for (index, saved) in snapshot.enumerated() {
            for (target, source) in zip(parameters(of: index), saved) {
                func run<T: Real>(_: T.Type) throws {
                    try source.withUnsafeBufferPointer(as: T.self) { s in
                        try target.withUnsafeMutableStorage(as: T.self) { t in for i in t.indices { t[i] = s[i] } }
                    }
                }
                try target.precision.select(run(Double.self), run(Float.self))
            }
        }
    }
}

/// Seeded drawing of distinct sample indices (SplitMix64 with Floyd's algorithm), sorted as the toolbox's are.
struct SampleRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0 ... upper.
    mutating func uniform(_ upper: Int) -> Int {
        let range = UInt64(upper) + 1
        let limit = UInt64.max - UInt64.max % range
        var v = next()
        while v >= limit { v = next() }
        return Int(v % range)
    }

    /// `count` distinct integers below `n`, ascending.
    mutating func distinct(_ count: Int, below n: Int) -> [Int] {
        var chosen = Set<Int>()
        for j in (n - count)..<n {
            let t = uniform(j)
            if !chosen.insert(t).inserted { chosen.insert(j) }
        }
        return chosen.sorted()
    }
}

private func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// "1d 2h 3m 4s", as the toolbox words durations.
private func duration(_ seconds: Double) -> String {
    let s = seconds.isFinite ? Int(Swift.max(0, seconds)) : 0
    return "\(s / 86400)d \((s / 3600) % 24)h \((s / 60) % 60)m \(s % 60)s"
}

/// x with `digits` significant digits, as Python's format(x, '.4') writes it.
func significant(_ x: Double, _ digits: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let written = withVaList([x]) { vsnprintf(&buffer, 64, "%.\(digits)g", $0) }
    guard written > 0 else { return "\(x)" }
    var text = String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    if x.isFinite && !text.contains(".") && !text.contains("e") { text += ".0" }
    return text
}

private func roundTo2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

private extension String {
    /// x with two decimals.
    init(format2 x: Double) {
        var buffer = [CChar](repeating: 0, count: 64)
        let written = withVaList([x]) { vsnprintf(&buffer, 64, "%.2f", $0) }
        self = String(decoding: buffer.prefix(Int(Swift.max(written, 0))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// "[#########-----------]  45.0%  loss 0.1234  about 0d 0h 1m 12s left"
private func progressBar(_ done: Double, loss: Double, remaining: Double) -> String {
    let width = 30
    let filled = Swift.min(width, Swift.max(0, Int(done * Double(width))))
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    return "[\(bar)] \(String(format2: done * 100))%  l1-loss \(significant(loss, 4))  about \(duration(remaining)) left"
}
