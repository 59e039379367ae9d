import CLRPHeader
import Glibc
import LRP

// The evaluation functions of include/lrp.h: region perturbation, masked flipping and localization.

@_cdecl("lrp_perturbation_options_init")
public func lrp_perturbation_options_init(_ options: UnsafeMutablePointer<lrp_perturbation_options>?) {
    guard let options else { return }
    let d = RegionPerturbation()
    options.pointee = lrp_perturbation_options(
        size: Int64(MemoryLayout<lrp_perturbation_options>.size), region: Int64(d.region), steps: Int64(d.steps),
        regions_per_step: Int64(d.regionsPerStep), order: nil, fill: nil, value: 0, low: .nan, high: .nan,
        seed: d.seed, probabilities: 0, batch_size: 0)
}

/// A caller's options struct, its size checked (nil for NULL).
private func checked(_ pointer: UnsafePointer<lrp_perturbation_options>?) throws -> lrp_perturbation_options? {
    guard let pointer else { return nil }
    let c = pointer.pointee
    guard c.size == Int64(MemoryLayout<lrp_perturbation_options>.size) else {
        throw LRPError.argument("options.size is \(c.size), expected \(MemoryLayout<lrp_perturbation_options>.size): initialize options with lrp_perturbation_options_init")
    }
    return c
}

/// The fill an options struct names (`fallback` when it names none).
private func fill(_ c: lrp_perturbation_options, default fallback: String) throws -> RegionPerturbation.Fill {
    try RegionPerturbation.Fill(name: optionalString(c.fill) ?? fallback, value: c.value,
                                low: c.low.isNaN ? nil : c.low, high: c.high.isNaN ? nil : c.high)
}

/// The Swift options for a caller's struct (NULL: the defaults), checked.
private func perturbation(_ pointer: UnsafePointer<lrp_perturbation_options>?) throws -> RegionPerturbation {
    var p = RegionPerturbation()
    guard let c = try checked(pointer) else { return p }
    func int(_ v: Int64, _ name: String) throws -> Int {
        guard v >= 0, v <= Int64(Int32.max) else { throw LRPError.argument("options.\(name) is \(v)") }
        return Int(v)
    }
    p.region = try int(c.region, "region")
    p.steps = try int(c.steps, "steps")
    p.regionsPerStep = try int(c.regions_per_step, "regions_per_step")
    if let text = optionalString(c.order) {
        guard let order = RegionPerturbation.Order(rawValue: text.lowercased()) else {
            throw LRPError.argument("unknown order '\(text)' (morf, lerf, random)")
        }
        p.order = order
    }
    p.fill = try fill(c, default: "uniform")
    p.seed = c.seed
    p.probabilities = c.probabilities != 0
    let batch = try int(c.batch_size, "batch_size")
    p.batchSize = batch == 0 ? nil : batch
    return p
}

@_cdecl("lrp_perturbation")
public func lrp_perturbation(_ model: OpaquePointer?, _ x: UnsafePointer<Double>?, _ rank: Int32, _ dims: UnsafePointer<Int64>?,
                             _ r: UnsafePointer<Double>?, _ rCount: Int64, _ targets: UnsafePointer<Int32>?,
                             _ options: UnsafePointer<lrp_perturbation_options>?, _ curves: UnsafeMutablePointer<Double>?,
                             _ curvesCount: Int64, _ aopc: UnsafeMutablePointer<Double>?, _ aopcCount: Int64,
                             _ order: UnsafeMutablePointer<Int32>?, _ orderCount: Int64,
                             _ replacement: UnsafeMutablePointer<Double>?, _ replacementCount: Int64,
                             _ scored: UnsafeMutablePointer<Int32>?, _ scoredCount: Int64) -> lrp_status {
    guarded("lrp_perturbation", model: model) { handle in
        let settings = try perturbation(options)
        let batch = try input(x, rank, dims)
        guard batch.rank == 4 else { throw LRPError.shape("x must be N×H×W×C (rank 4), got rank \(batch.rank)") }
        let n = batch.shape[0]
        guard rCount == Int64(batch.count) || rCount == Int64(n * batch.shape[1] * batch.shape[2]) else {
            throw LRPError.shape("r has \(rCount) values; x (\(Shape.describe(batch.shape))) needs \(batch.count), or \(n * batch.shape[1] * batch.shape[2]) of pixel relevance")
        }
        let relevanceShape = rCount == Int64(batch.count) ? batch.shape : Array(batch.shape.prefix(3))
        let rp = try required(r, "r")
        let relevance = try Tensor(shape: relevanceShape, copying: UnsafeBufferPointer(start: rp, count: Int(rCount)))
        let chosen = targets.map { t in (0..<n).map { Int(t[$0]) } }
        let out = try required(curves, "curves")
        try exact(curvesCount, n * (settings.steps + 1), "curves_count")
        if aopc != nil { try exact(aopcCount, n, "aopc_count") }
        if order != nil { try exact(orderCount, n * settings.steps * settings.regionsPerStep, "order_count") }
        if replacement != nil { try exact(replacementCount, batch.count, "replacement_count") }
        if scored != nil { try exact(scoredCount, n, "scored_count") }
        // Everything is checked before the run; nothing the caller owns is written if it fails.
        let result = try settings.run(handle.model, inputs: batch, relevance: relevance, targets: chosen)
        copy(result.curves, to: out)
        if let aopc { for (i, v) in result.aopc.enumerated() { aopc[i] = v } }
        if let order {
            for (s, list) in result.orders.enumerated() { for (i, v) in list.enumerated() { order[s * list.count + i] = Int32(v) } }
        }
        if let replacement { copy(result.replacement, to: replacement) }
        if let scored { for (i, t) in result.targets.enumerated() { scored[i] = Int32(t) } }
    }
}

@_cdecl("lrp_flip")
public func lrp_flip(_ model: OpaquePointer?, _ x: UnsafePointer<Double>?, _ rank: Int32, _ dims: UnsafePointer<Int64>?,
                     _ mask: UnsafePointer<UInt8>?, _ maskCount: Int64, _ options: UnsafePointer<lrp_perturbation_options>?,
                     _ top: Int32, _ before: UnsafeMutablePointer<Double>?, _ after: UnsafeMutablePointer<Double>?,
                     _ outputCount: Int64, _ topBefore: UnsafeMutablePointer<Int32>?, _ topAfter: UnsafeMutablePointer<Int32>?,
                     _ topCount: Int64, _ flipped: UnsafeMutablePointer<Double>?, _ flippedCount: Int64) -> lrp_status {
    guarded("lrp_flip", model: model) { handle in
        var settings = MaskedFlipping()
        if let c = try checked(options) {
            settings.fill = try fill(c, default: "invert")
            settings.seed = c.seed
            settings.probabilities = c.probabilities != 0
        }
        let batch = try input(x, rank, dims)
        guard batch.rank == 4 else { throw LRPError.shape("x must be N×H×W×C (rank 4), got rank \(batch.rank)") }
        let (n, pixels) = (batch.shape[0], batch.shape[1] * batch.shape[2])
        guard maskCount == Int64(n * pixels) || maskCount == Int64(pixels) else {
            throw LRPError.shape("mask_count is \(maskCount); images of \(batch.shape[1])×\(batch.shape[2]) need \(pixels) (one mask for all) or \(n * pixels)")
        }
        let m = try required(mask, "mask")
        let flags = (0..<Int(maskCount)).map { m[$0] != 0 }
        let classes = try Shape.count(try handle.model.outputShape(for: batch.shape)) / Swift.max(1, n)
        guard top >= 1, Int(top) <= classes else { throw LRPError.argument("top is \(top); the model has \(classes) classes") }
        settings.top = Int(top)
        let (b, a) = (try required(before, "before"), try required(after, "after"))
        try exact(outputCount, n * classes, "output_count")
        if topBefore != nil || topAfter != nil { try exact(topCount, n * Int(top), "top_count") }
        if flipped != nil { try exact(flippedCount, batch.count, "flipped_count") }
        let result = try settings.run(handle.model, inputs: batch, mask: flags)
        copy(result.before, to: b)
        copy(result.after, to: a)
        for (list, out) in [(result.topBefore, topBefore), (result.topAfter, topAfter)] {
            guard let out else { continue }
            for (s, row) in list.enumerated() { for (i, c) in row.enumerated() { out[s * Int(top) + i] = Int32(c) } }
        }
        if let flipped { copy(result.flipped, to: flipped) }
    }
}

@_cdecl("lrp_localization")
public func lrp_localization(_ r: UnsafePointer<Double>?, _ rank: Int32, _ dims: UnsafePointer<Int64>?,
                             _ boxes: UnsafePointer<Int64>?, _ boxCount: Int64, _ mu: UnsafeMutablePointer<Double>?,
                             _ muW: UnsafeMutablePointer<Double>?, _ inside: UnsafeMutablePointer<Double>?, _ count: Int64) -> lrp_status {
    localization("lrp_localization", r, rank, dims, boxes, boxCount, mu, muW, inside, count)
}

@_cdecl("lrp_localization_f32")
public func lrp_localization_f32(_ r: UnsafePointer<Float>?, _ rank: Int32, _ dims: UnsafePointer<Int64>?,
                                 _ boxes: UnsafePointer<Int64>?, _ boxCount: Int64, _ mu: UnsafeMutablePointer<Double>?,
                                 _ muW: UnsafeMutablePointer<Double>?, _ inside: UnsafeMutablePointer<Double>?,
                                 _ count: Int64) -> lrp_status {
    localization("lrp_localization_f32", r, rank, dims, boxes, boxCount, mu, muW, inside, count)
}

/// lrp_localization and lrp_localization_f32 (relevance of T).
private func localization<T: Real>(_ function: StaticString, _ r: UnsafePointer<T>?, _ rank: Int32, _ dims: UnsafePointer<Int64>?,
                                   _ boxes: UnsafePointer<Int64>?, _ boxCount: Int64, _ mu: UnsafeMutablePointer<Double>?,
                                   _ muW: UnsafeMutablePointer<Double>?, _ inside: UnsafeMutablePointer<Double>?,
                                   _ count: Int64) -> lrp_status {
    guarded(function) {
        guard rank == 3 || rank == 4 else { throw LRPError.argument("r must be N×H×W×C or N×H×W (rank 4 or 3), got rank \(rank)") }
        let (relevanceShape, total) = try shape(rank, dims, "r")
        let values = UnsafeBufferPointer(start: try required(r, "r"), count: total)
        let n = relevanceShape[0]
        guard boxCount >= 1, boxCount <= Int64(Int32.max) else { throw LRPError.argument("box_count is \(boxCount)") }
        let rows = try required(boxes, "boxes")
        var perSample = [[Localization.Box]](repeating: [], count: n)
        for b in 0..<Int(boxCount) {
            let sample = rows[b * 5]
            guard sample >= 0, sample < Int64(n) else { throw LRPError.argument("box \(b) names sample \(sample); there are \(n)") }
            let v = (1...4).map { rows[b * 5 + $0] }
            guard v.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }) else {
                throw LRPError.argument("box \(b) of sample \(sample) has coordinates \(v) outside the image")
            }
            perSample[Int(sample)].append(Localization.Box(top: Int(v[0]), left: Int(v[1]), bottom: Int(v[2]), right: Int(v[3])))
        }
        try exact(count, n, "count")
        let scores: [Localization.Score]
        if let floats = values as? UnsafeBufferPointer<Float> {
            scores = try Localization.scores(floats, shape: relevanceShape, boxes: perSample)
        } else if let doubles = values as? UnsafeBufferPointer<Double> {
            scores = try Localization.scores(doubles, shape: relevanceShape, boxes: perSample)
        } else {
            throw LRPError.argument("relevance must be double or float")
        }
        for (i, score) in scores.enumerated() {
            mu?[i] = score.mu
            muW?[i] = score.weightedMu
            inside?[i] = score.insideFraction
        }
    }
}

/// Checks that a caller's count is exactly `needed`.
private func exact(_ count: Int64, _ needed: Int, _ name: String) throws {
    guard count == Int64(needed) else { throw LRPError.shape("\(name) is \(count), \(needed) are needed") }
}
