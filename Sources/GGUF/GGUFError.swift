// Everything that can be wrong with a GGUF file, said so that the user knows what to do.

public enum GGUFError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, errno: Int32)
    case badMagic(path: String, found: [UInt8])
    case unsupportedVersion(path: String, version: UInt32)
    /// The file ended while reading `what`, which needed bytes up to `needed` of a `size`-byte file.
    case truncated(path: String, what: String, needed: Int, size: Int)
    case invalidValueType(path: String, key: String, rawType: UInt32)
    case invalidUTF8(path: String, what: String)
    case invalidTensor(path: String, name: String, reason: String)
    case duplicateTensor(path: String, name: String)
    /// The element type has no dequantizer here (i-quants, Q5_x, Q2_K, Q3_K, Q5_K, ...).
    case cannotDequantize(type: GGMLType)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let errno):
            return "cannot open GGUF file \(path): errno \(errno); check that the path exists and is readable"
        case .badMagic(let path, let found):
            let hex = found.map { String($0, radix: 16) }.joined(separator: " ")
            return "\(path) is not a GGUF file: it starts with bytes [\(hex)], not \"GGUF\""
        case .unsupportedVersion(let path, let version):
            return "\(path) is GGUF version \(version); only versions 2 and 3 (little-endian) are supported — re-convert it with a current llama.cpp"
        case .truncated(let path, let what, let needed, let size):
            return "\(path) is truncated: reading \(what) needs \(needed) bytes but the file has \(size); download or convert it again"
        case .invalidValueType(let path, let key, let rawType):
            return "\(path): metadata key \"\(key)\" has unknown value type \(rawType); the file is corrupt or from a newer GGUF version"
        case .invalidUTF8(let path, let what):
            return "\(path): \(what) is not valid UTF-8; the file is corrupt"
        case .invalidTensor(let path, let name, let reason):
            return "\(path): tensor \"\(name)\" is invalid: \(reason)"
        case .duplicateTensor(let path, let name):
            return "\(path): tensor \"\(name)\" appears twice in the tensor directory; the file is corrupt"
        case .cannotDequantize(let type):
            let supported = GGMLDequantizer.supportedTypes.map(\.description).joined(separator: ", ")
            return "ggml type \(type) cannot be dequantized (supported: \(supported)); convert the model to one of those types"
        }
    }
}
