import CLRPHeader
import LRP

// The rendering functions of include/lrp.h.

/// A caller's height×width image, copied (both ≥ 1).
private func image(_ pointer: UnsafePointer<Double>?, _ height: Int64, _ width: Int64, _ name: String) throws -> [Double] {
    guard height >= 1, width >= 1 else { throw LRPError.argument("\(name) is \(height)×\(width); both sizes must be ≥ 1") }
    let count = try Shape.count([Int(height), Int(width)])
    try Limits.checkAllocation(count, of: MemoryLayout<Double>.stride, "\(name), a \(height)×\(width) image,")
    return Array(UnsafeBufferPointer(start: try required(pointer, name), count: count))
}

/// Copies an rendered image into a caller's buffer after checking its capacity.
private func deliver(_ rgb: [Double], to buffer: UnsafeMutablePointer<Double>?, capacity: Int64) throws {
    let out = try required(buffer, "rgb")
    try checkCapacity(capacity, rgb.count, "the image buffer (rgb_capacity)")
    rgb.withUnsafeBufferPointer { if let base = $0.baseAddress { out.update(from: base, count: rgb.count) } }
}

@_cdecl("lrp_render_heatmap")
public func lrp_render_heatmap(_ r: UnsafePointer<Double>?, _ height: Int64, _ width: Int64, _ x: UnsafePointer<Double>?,
                               _ scaling: Int32, _ sigma: Double, _ cmap: UnsafePointer<CChar>?, _ normalize: Int32,
                               _ rgb: UnsafeMutablePointer<Double>?, _ capacity: Int64) -> lrp_status {
    guarded("lrp_render_heatmap") {
        try checkCapacity(capacity, try Render.rgbCount(height: Int(height), width: Int(width), scaling: Int(scaling)), "the image buffer (rgb_capacity)")
        let relevance = try image(r, height, width, "r")
        let input = try x.map { try image($0, height, width, "x") }
        let result = try Render.heatmap(relevance, height: Int(height), width: Int(width), x: input, scaling: Int(scaling),
                                        sigma: sigma, map: optionalString(cmap) ?? "jet", normalize: normalize != 0)
        try deliver(result, to: rgb, capacity: capacity)
    }
}

@_cdecl("lrp_render_digit")
public func lrp_render_digit(_ x: UnsafePointer<Double>?, _ height: Int64, _ width: Int64, _ scaling: Int32,
                             _ cmap: UnsafePointer<CChar>?, _ rgb: UnsafeMutablePointer<Double>?, _ capacity: Int64) -> lrp_status {
    guarded("lrp_render_digit") {
        try checkCapacity(capacity, try Render.rgbCount(height: Int(height), width: Int(width), scaling: Int(scaling)), "the image buffer (rgb_capacity)")
        let input = try image(x, height, width, "x")
        let result = try Render.digit(input, height: Int(height), width: Int(width), scaling: Int(scaling),
                                      map: optionalString(cmap) ?? "binary")
        try deliver(result, to: rgb, capacity: capacity)
    }
}

@_cdecl("lrp_render_text")
public func lrp_render_text(_ text: UnsafePointer<CChar>?, _ scale: Int32, _ rgb: UnsafeMutablePointer<Double>?,
                            _ capacity: Int64, _ height: UnsafeMutablePointer<Int64>?, _ width: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_render_text") {
        let label = try string(text, "text")
        let (heightOut, widthOut) = (try required(height, "height"), try required(width, "width"))
        let rendered = try Text.render(label, scale: Int(scale))
        if capacity > 0 { try deliver(rendered.rgb, to: rgb, capacity: capacity) }
        heightOut.pointee = Int64(rendered.height)
        widthOut.pointee = Int64(rendered.width)
    }
}

@_cdecl("lrp_image_write")
public func lrp_image_write(_ path: UnsafePointer<CChar>?, _ rgb: UnsafePointer<Double>?, _ height: Int64, _ width: Int64,
                            _ bytes: UnsafeMutablePointer<UInt8>?) -> lrp_status {
    guarded("lrp_image_write") {
        let path = try string(path, "path")
        guard height >= 1, width >= 1 else { throw LRPError.argument("the image is \(height)×\(width); both sizes must be ≥ 1") }
        let count = try Shape.count([Int(height), Int(width), 3])
        let values = Array(UnsafeBufferPointer(start: try required(rgb, "rgb"), count: count))
        let eight = Render.bytes(values)
        try FileIO.writeAtomically(try PNG.encode(rgb: eight, height: Int(height), width: Int(width)), to: path)
        if let bytes { eight.withUnsafeBufferPointer { if let base = $0.baseAddress { bytes.update(from: base, count: count) } } }
    }
}

@_cdecl("lrp_render_relevance")
public func lrp_render_relevance(_ r: UnsafePointer<Double>?, _ height: Int64, _ width: Int64, _ scaling: Int32,
                                 _ cmap: UnsafePointer<CChar>?, _ rgb: UnsafeMutablePointer<Double>?, _ capacity: Int64,
                                 _ scale: UnsafeMutablePointer<Double>?) -> lrp_status {
    guarded("lrp_render_relevance") {
        try checkCapacity(capacity, try Render.rgbCount(height: Int(height), width: Int(width), scaling: Int(scaling)), "the image buffer (rgb_capacity)")
        let relevance = try image(r, height, width, "r")
        let result = try Render.relevance(relevance, height: Int(height), width: Int(width), scaling: Int(scaling),
                                          map: optionalString(cmap) ?? "bwr")
        try deliver(result.rgb, to: rgb, capacity: capacity)
        scale?.pointee = result.scale
    }
}

@_cdecl("lrp_render_image")
public func lrp_render_image(_ x: UnsafePointer<Double>?, _ height: Int64, _ width: Int64, _ channels: Int32, _ low: Double,
                             _ high: Double, _ scaling: Int32, _ rgb: UnsafeMutablePointer<Double>?, _ capacity: Int64) -> lrp_status {
    guarded("lrp_render_image") {
        try checkCapacity(capacity, try Render.rgbCount(height: Int(height), width: Int(width), scaling: Int(scaling)), "the image buffer (rgb_capacity)")
        guard channels == 1 || channels == 3 else { throw LRPError.argument("an image has 1 or 3 channels, got \(channels)") }
        guard height >= 1, width >= 1 else { throw LRPError.argument("x is \(height)×\(width); both sizes must be ≥ 1") }
        let count = try Shape.count([Int(height), Int(width), Int(channels)])
        let values = Array(UnsafeBufferPointer(start: try required(x, "x"), count: count))
        let result = try Render.image(values, height: Int(height), width: Int(width), channels: Int(channels), low: low,
                                      high: high, scaling: Int(scaling))
        try deliver(result, to: rgb, capacity: capacity)
    }
}

@_cdecl("lrp_render_overlay")
public func lrp_render_overlay(_ heatmap: UnsafePointer<Double>?, _ image: UnsafePointer<Double>?, _ height: Int64,
                               _ width: Int64, _ opacity: Double, _ rgb: UnsafeMutablePointer<Double>?, _ capacity: Int64) -> lrp_status {
    guarded("lrp_render_overlay") {
        guard height >= 1, width >= 1 else { throw LRPError.argument("the images are \(height)×\(width); both sizes must be ≥ 1") }
        let count = try Shape.count([Int(height), Int(width), 3])
        try checkCapacity(capacity, count, "the image buffer (rgb_capacity)")
        let heat = Array(UnsafeBufferPointer(start: try required(heatmap, "heatmap"), count: count))
        let picture = Array(UnsafeBufferPointer(start: try required(image, "image"), count: count))
        try deliver(try Render.overlay(heat, on: picture, opacity: opacity), to: rgb, capacity: capacity)
    }
}

@_cdecl("lrp_render_colorbar")
public func lrp_render_colorbar(_ cmap: UnsafePointer<CChar>?, _ low: Double, _ high: Double, _ length: Int64, _ scale: Int32,
                                _ rgb: UnsafeMutablePointer<Double>?, _ capacity: Int64, _ height: UnsafeMutablePointer<Int64>?,
                                _ width: UnsafeMutablePointer<Int64>?) -> lrp_status {
    guarded("lrp_render_colorbar") {
        let (heightOut, widthOut) = (try required(height, "height"), try required(width, "width"))
        guard length >= 2, length <= Int64(Render.maxScaling) else {
            throw LRPError.argument("the colour bar must be from 2 to \(Render.maxScaling) pixels wide, got \(length)")
        }
        let bar = try Render.colorbar(map: optionalString(cmap) ?? "bwr", low: low, high: high, width: Int(length), scale: Int(scale))
        if capacity > 0 { try deliver(bar.rgb, to: rgb, capacity: capacity) }
        heightOut.pointee = Int64(bar.height)
        widthOut.pointee = Int64(bar.width)
    }
}
