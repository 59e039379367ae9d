/// Every kind of node a header line can describe, declared once: its name, the form of its header line, how
/// many positional values it takes, its options, whether the toolbox's text format holds it, and the role the
/// composites assign rules by. `LayerSpec` parses and builds nodes by switching over it, so a new kind that
/// is not handled everywhere does not compile.
public enum LayerKind: String, CaseIterable, Sendable {
    case linear = "Linear", convolution = "Convolution", sumPool = "SumPool", maxPool = "MaxPool"
    case flatten = "Flatten", rect = "Rect", tanh = "Tanh", softMax = "SoftMax"
    case avgPool = "AvgPool", batchNorm = "BatchNorm", sigmoid = "Sigmoid", pad = "Pad"
    case globalAvgPool = "GlobalAvgPool", reshape = "Reshape", lrn = "LRN", add = "Add", concatenate = "Concatenate"

    /// The name in header lines ("Linear", …).
    public var name: String { rawValue }

    /// What the header line looks like, for messages.
    public var form: String {
        switch self {
        case .linear: return "Linear m n"
        case .convolution: return "Convolution hf wf df nf sh sw [pad=same|pad=t,b,l,r] [round=up] [groups=g]"
        case .sumPool: return "SumPool ph pw sh sw"
        case .maxPool: return "MaxPool ph pw sh sw [pad=same|pad=t,b,l,r] [round=up]"
        case .avgPool: return "AvgPool ph pw sh sw [pad=same|pad=t,b,l,r] [round=up] [divisor=window|inside|padded]"
        case .batchNorm: return "BatchNorm c"
        case .pad: return "Pad top bottom left right"
        case .reshape: return "Reshape d1 d2 …"
        case .lrn: return "LRN size alpha beta k"
        case .flatten, .rect, .tanh, .softMax, .sigmoid, .globalAvgPool, .add, .concatenate: return rawValue
        }
    }

    /// The number of positional values after the name (nil: one or more).
    var count: Int? {
        switch self {
        case .linear: return 2
        case .convolution: return 6
        case .sumPool, .maxPool, .avgPool, .pad, .lrn: return 4
        case .batchNorm: return 1
        case .reshape: return nil
        case .flatten, .rect, .tanh, .softMax, .sigmoid, .globalAvgPool, .add, .concatenate: return 0
        }
    }

    /// The `key=value` options it takes.
    var options: [String] {
        switch self {
        case .convolution: return ["pad", "round", "groups"]
        case .maxPool: return ["pad", "round"]
        case .avgPool: return ["pad", "round", "divisor"]
        default: return []
        }
    }

    /// True for the toolbox's eight layers (what its text format holds, without options).
    public var isToolbox: Bool {
        switch self {
        case .linear, .convolution, .sumPool, .maxPool, .flatten, .rect, .tanh, .softMax: return true
        default: return false
        }
    }

    /// True for merge nodes, which read several inputs.
    public var isMerge: Bool { self == .add || self == .concatenate }

    /// The role a composite assigns rules by.
    enum Role {
        case dense, conv, pool, maxPool, sum, other
    }

    /// This kind's role for the composites.
    var role: Role {
        switch self {
        case .linear: return .dense
        case .convolution: return .conv
        case .sumPool, .avgPool, .globalAvgPool: return .pool
        case .maxPool: return .maxPool
        case .add: return .sum
        default: return .other
        }
    }

    /// The kind named by the first word of a header line, if any.
    init?(header: String) {
        self.init(rawValue: header.split(separator: " ").first.map(String.init) ?? "")
    }
}
