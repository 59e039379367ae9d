import CLRPHeader
import Glibc
import LRP

// Training, from include/lrp.h.

@_cdecl("lrp_training_options_init")
public func lrp_training_options_init(_ options: UnsafeMutablePointer<lrp_training_options>?) {
    guard let options else { return }
    let defaults = TrainingOptions()
    options.pointee = lrp_training_options(
        size: Int64(MemoryLayout<lrp_training_options>.size), batch_size: Int64(defaults.batchSize),
        iterations: Int64(defaults.iterations), learning_rate: defaults.learningRate, learning_rate_decay: nil,
        initial_factor: defaults.initialFactor, status: Int64(defaults.status), convergence: Int64(defaults.convergence),
        seed: defaults.seed, silent: 0, callback: nil, callback_context: nil, transform: nil, transform_context: nil)
}

/// Prints events to stdout for C callers without a callback: status lines, and a progress bar on a terminal.
private final class ConsoleReporter {
    let terminal = isatty(STDOUT_FILENO) != 0
    var barShown = false

    func report(_ event: TrainingEvent) {
        if event.kind == .progress {
            guard terminal else { return }
            emit("\r" + event.message)
            barShown = true
        } else {
            if barShown { emit("\r\u{1B}[K"); barShown = false }
            emit(event.message + "\n")
        }
    }

    /// Writes to standard output after flushing the caller's buffered streams, so lines keep their order.
    private func emit(_ text: String) {
        fflush(nil)
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }
}

@_cdecl("lrp_train")
public func lrp_train(_ model: OpaquePointer?, _ x: UnsafePointer<Double>?, _ xRank: Int32, _ xShape: UnsafePointer<Int64>?,
                      _ y: UnsafePointer<Double>?, _ yRank: Int32, _ yShape: UnsafePointer<Int64>?,
                      _ xVal: UnsafePointer<Double>?, _ xValRank: Int32, _ xValShape: UnsafePointer<Int64>?,
                      _ yVal: UnsafePointer<Double>?, _ yValRank: Int32, _ yValShape: UnsafePointer<Int64>?,
                      _ optionsPointer: UnsafePointer<lrp_training_options>?,
                      _ resultPointer: UnsafeMutablePointer<lrp_training_result>?) -> lrp_status {
    guarded("lrp_train", model: model) { handle in
        let samples = try input(x, xRank, xShape, "x"), targets = try input(y, yRank, yShape, "y")
        var validation: (x: Tensor, y: Tensor)?
        if xVal != nil || yVal != nil {
            validation = (try input(xVal, xValRank, xValShape, "x_val"), try input(yVal, yValRank, yValShape, "y_val"))
        }
        var c = lrp_training_options()
        lrp_training_options_init(&c)
        if let optionsPointer {
            guard optionsPointer.pointee.size == Int64(MemoryLayout<lrp_training_options>.size) else {
                throw LRPError.argument("options.size is \(optionsPointer.pointee.size), expected \(MemoryLayout<lrp_training_options>.size): initialize options with lrp_training_options_init")
            }
            c = optionsPointer.pointee
        }
        var options = TrainingOptions()
        options.batchSize = Int(c.batch_size); options.iterations = Int(c.iterations)
        options.learningRate = c.learning_rate; options.learningRateDecay = optionalString(c.learning_rate_decay)
        options.initialFactor = c.initial_factor; options.status = Int(c.status); options.convergence = Int(c.convergence)
        options.seed = c.seed

        let transform: ((Tensor) throws -> Tensor)? = c.transform.map { function in
            let context = c.transform_context
            return { batch in
                var values = batch.data
                let shape = batch.shape.map { Int64($0) }
                let code = values.withUnsafeMutableBufferPointer { buffer in
                    shape.withUnsafeBufferPointer { function(buffer.baseAddress, Int32(shape.count), $0.baseAddress, context) }
                }
                guard code == 0 else { throw LRPError.argument("the batch transform failed (it returned \(code))") }
                return try Tensor(shape: batch.shape, data: values)
            }
        }
        let console = ConsoleReporter()
        let report: (TrainingEvent) -> Bool = { event in
            if let callback = c.callback {
                return event.message.withCString { message in
                    var e = lrp_training_event(kind: event.kind.rawValue, iteration: Int64(event.iteration),
                                               iterations: Int64(event.iterations), loss: event.loss, accuracy: event.accuracy,
                                               learning_rate: event.learningRate, elapsed_seconds: event.elapsed,
                                               remaining_seconds: event.remaining, message: message)
                    return callback(&e, c.callback_context) == 0
                }
            }
            if c.silent == 0 { console.report(event) }
            return true
        }
        let outcome = try handle.model.train(x: samples, y: targets, validation: validation, options: options,
                                             transform: transform, report: report)
        handle.pass = ForwardPass(layers: handle.model.layerCount)
        resultPointer?.pointee = lrp_training_result(best_iteration: Int64(outcome.bestIteration), best_loss: outcome.bestLoss,
                                                     best_accuracy: outcome.bestAccuracy, iterations_run: Int64(outcome.iterationsRun))
    }
}

@_cdecl("lrp_evaluate")
public func lrp_evaluate(_ model: OpaquePointer?, _ x: UnsafePointer<Double>?, _ xRank: Int32, _ xShape: UnsafePointer<Int64>?,
                         _ y: UnsafePointer<Double>?, _ yRank: Int32, _ yShape: UnsafePointer<Int64>?,
                         _ accuracy: UnsafeMutablePointer<Double>?, _ loss: UnsafeMutablePointer<Double>?) -> lrp_status {
    guarded("lrp_evaluate", model: model) { handle in
        let (accuracyOut, lossOut) = (try required(accuracy, "accuracy"), try required(loss, "loss"))
        let result = try handle.model.evaluate(try input(x, xRank, xShape, "x"), try input(y, yRank, yShape, "y"))
        accuracyOut.pointee = result.accuracy
        lossOut.pointee = result.loss
    }
}
