// The normalizers the supported tokenizer files use: none (Llama-3, GPT-2, SmolLM2) or NFC
// (Qwen2/Qwen3). Added tokens marked `normalized` are matched after this step.
import Foundation

enum TextNormalizer: Sendable, Equatable {
    case none
    case nfc

    /// The normalized text, or nil when it is already normalized (the common case, checked
    /// without allocating).
    func normalize(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
        switch self {
        case .none:
            return nil
        case .nfc:
            // Scalars below U+0300 (UTF-8 lead bytes below 0xCC) neither decompose nor compose
            // with a neighbour, so text made only of them is already NFC.
            guard utf8.contains(where: { $0 >= 0xCC }) else { return nil }
            return String(decoding: utf8, as: UTF8.self).precomposedStringWithCanonicalMapping
        }
    }
}
