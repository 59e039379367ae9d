/// The weights of a Keras model in an HDF5 file, looked up by layer name.
///
/// Two layouts exist:
/// - the legacy one (`model.save('x.h5')`, `save_weights('x.h5')` in Keras 2 and tf.keras, `model.save('x.h5')`
///   in Keras 3): one group per layer under `model_weights` (full models) or the root (weights only), whose
///   attribute `weight_names` orders the datasets, e.g. `conv2d_1/kernel:0` (Keras 3 nests one level deeper
///   and drops the `:0`);
/// - Keras 3's own (`save_weights('x.weights.h5')`): `layers/<name>/vars/0`, `1`, … in the layer's order.
struct KerasWeights {
    /// A weight: its short name ("kernel", "bias", "gamma", "moving_mean"; the index in Keras 3's own layout)
    /// and value.
    typealias Weight = (name: String, value: Tensor)

    private let file: HDF5File
    private let root: String
    private let nativeLayout: Bool
    /// Keras 3's own layout names groups after layer classes ("conv2d_1"); the `name` attribute of each
    /// `vars` group gives the layer's name.
    private var nativeGroups: [String: String] = [:]

    /// The weights in `file`: under `/model_weights` when it exists, else at the root.
    init(_ file: HDF5File) throws {
        self.file = file
        if file.isGroup("/model_weights") {
            root = "/model_weights"
            nativeLayout = false
        } else if !file.hasAttribute("/", "layer_names"), !file.hasAttribute("/", "layer_names0"), file.isGroup("/layers") {
            root = "/layers"
            nativeLayout = true
            for member in try file.members("/layers") where file.hasAttribute("/layers/\(member)/vars", "name") {
                let name = try file.string("/layers/\(member)/vars", "name")
                if nativeGroups[name] == nil { nativeGroups[name] = "/layers/\(member)" }
            }
        } else {
            root = ""
            nativeLayout = false
        }
    }

    /// The short name of a weight path: the last component without ":0".
    static func shortName(_ path: String) -> String {
        var last = String(path.split(separator: "/").last ?? "")
        if let colon = last.lastIndex(of: ":") { last = String(last[..<colon]) }
        return last
    }

    /// The weights of layer `name` in Keras' order (empty when the file has none for it).
    func weights(of name: String) throws -> [Weight] {
        let group = nativeGroups[name] ?? root + "/" + name
        guard file.isGroup(group) else { return [] }
        if nativeLayout {
            let vars = group + "/vars"
            guard file.isGroup(vars) else { return [] }
            let indices = try file.members(vars).compactMap { Int($0) }.sorted()
            return try indices.map { ("\($0)", try file.dataset("\(vars)/\($0)")) }
        }
        let names = try file.hasAttribute(group, "weight_names") || file.hasAttribute(group, "weight_names0")
            ? file.strings(group, "weight_names") : []
        return try names.map { weightName in
            let path = group + "/" + weightName
            guard file.isDataset(path) else {
                throw LRPError.format("the weight '\(weightName)' of layer '\(name)' is missing (no dataset '\(path)')")
            }
            return (Self.shortName(weightName), try file.dataset(path))
        }
    }
}
