import CLRPHeader
import LRP

// Rule specs, zᴮ bounds and composites, from include/lrp.h.

/// Sets `rule` as the preset of `layer` (−1: every layer).
private func preset(_ handle: ModelHandle, _ layer: Int32, _ rule: Rule) throws {
    try handle.model.setPreset(rule, layer: layer == -1 ? nil : Int(layer))
}

@_cdecl("lrp_set_rule_spec")
public func lrp_set_rule_spec(_ model: OpaquePointer?, _ layer: Int32, _ spec: UnsafePointer<CChar>?) -> lrp_status {
    guarded("lrp_set_rule_spec", model: model) { handle in
        try preset(handle, layer, try Rule(spec: try string(spec, "spec")))
    }
}

@_cdecl("lrp_get_rule_spec")
public func lrp_get_rule_spec(_ model: OpaquePointer?, _ layer: Int32, _ buffer: UnsafeMutablePointer<CChar>?,
                              _ capacity: Int64) -> lrp_status {
    guarded("lrp_get_rule_spec", model: model) { handle in
        let buffer = try required(buffer, "buf")
        try handle.model.checkLayer(Int(layer))
        try copyString(handle.model.presets[Int(layer)].spec, to: buffer, capacity: capacity, "the rule spec")
    }
}

@_cdecl("lrp_set_rule_bounds")
public func lrp_set_rule_bounds(_ model: OpaquePointer?, _ layer: Int32, _ low: UnsafePointer<Double>?,
                                _ high: UnsafePointer<Double>?, _ count: Int64, _ epsilon: Double) -> lrp_status {
    guarded("lrp_set_rule_bounds", model: model) { handle in
        let (lows, highs) = (try values(low, count, "low"), try values(high, count, "high"))
        try preset(handle, layer, .zBox(try ZBox(low: lows.data, high: highs.data, epsilon: epsilon)))
    }
}

@_cdecl("lrp_set_composite")
public func lrp_set_composite(_ model: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ parameters: UnsafePointer<CChar>?) -> lrp_status {
    guarded("lrp_set_composite", model: model) { handle in
        var network = handle.model
        try network.applyComposite(try string(name, "name"), parameters: optionalString(parameters))
        handle.model = network
    }
}

@_cdecl("lrp_write_composite")
public func lrp_write_composite(_ model: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> lrp_status {
    guarded("lrp_write_composite", model: model) { handle in
        try Composite.write(handle.model, path: try string(path, "path"))
    }
}
