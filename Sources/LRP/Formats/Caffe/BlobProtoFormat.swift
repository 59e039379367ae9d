/// A Caffe `.binaryproto` file: one serialized `BlobProto`, as Caffe's `compute_image_mean` writes the mean
/// image of a data set. Read as an array of the blob's declared shape (the legacy num/channels/height/width
/// fields give N×C×H×W), values in Caffe's order (channels first, BGR for images). Reading only.
public struct BlobProtoFormat: ArrayFormat {
    public let name = "binaryproto"
    public let extensions = ["binaryproto"]

    /// The format.
    public init() {}

    public func read(path: String, key: String?) throws -> Tensor {
        let bytes = try FileIO.read(path)
        return try withContext("'\(path)'") {
            guard !bytes.isEmpty else { throw LRPError.format("the file is empty, not a BlobProto") }
            return try CaffeWeights.blob(try ProtobufMessage(bytes[...]))
        }
    }

    public func write(_ array: Tensor, path: String) throws {
        throw LRPError.unsupported("liblrp does not write .binaryproto files; write npy or npz")
    }
}
