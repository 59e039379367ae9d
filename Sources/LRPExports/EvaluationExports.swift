import CLRPHeader
import Glibc
import LRP

// The evaluation functions of include/lrp.h: region perturbation.

@_cdecl("lrp_perturbation_options_init")
public func lrp_perturbation_options_init(_ options: UnsafeMutablePointer<lrp_perturbation_options>?) {
    guard let options else { return }
    let d = RegionPerturbation()
    options.pointee = lrp_perturbation_options(
        size: Int64(MemoryLayout<lrp_perturbation_options>.size), region: Int64(d.region), steps: Int64(d.steps),
        regions_per_step: Int64(d.regionsPerStep), order: nil, fill: nil, value: 0, low: .nan, high: .nan,
        seed: d.seed, probabilities: 0, batch_size: 0)
}

/// The Swift options for a caller's struct (NULL: the defaults), checked.
private func perturbation(_ pointer: UnsafePointer<lrp_perturbation_options>?) throws -> RegionPerturbation {
    var p = RegionPerturbation()
    guard let pointer else { return p }
    let c = pointer.pointee
    guard c.size == Int64(MemoryLayout<lrp_perturbation_options>.size) else {
        throw LRPError.argument("options.size is \(c.size), expected \(MemoryLayout<lrp_perturbation_options>.size): initialize options with lrp_perturbation_options_init")
    }
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
    p.fill = try RegionPerturbation.Fill(name: optionalString(c.fill) ?? "uniform", value: c.value,
                                         low: c.low.isNaN ? nil : c.low, high: c.high.isNaN ? nil : c.high)
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
        try checkCapacity(curvesCount, n * (settings.steps + 1), "curves (curves_count)")
        guard curvesCount == Int64(n * (settings.steps + 1)) else {
            throw LRPError.shape("curves_count is \(curvesCount), N·(L+1) = \(n * (settings.steps + 1))")
        }
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

/// Checks that a caller's count is exactly `needed`.
private func exact(_ count: Int64, _ needed: Int, _ name: String) throws {
    guard count == Int64(needed) else { throw LRPError.shape("\(name) is \(count), \(needed) are needed") }
}
