// The normalizers the supported tokenizer files use: none (Llama-3, GPT-2, SmolLM2) or NFC
// (Qwen2/Qwen3). Added tokens marked `normalized` are matched after this step.

enum TextNormalizer: Sendable, Equatable {
    case none
    case nfc

    /// The normalized text's UTF-8, or nil when the text is already normalized (the common
    /// case, checked without allocating).
    func normalize(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        switch self {
        case .none:
            return nil
        case .nfc:
            // Scalars below U+0300 (UTF-8 lead bytes below 0xCC) neither decompose nor compose
            // with a neighbour, so text made only of them is already NFC.
            guard utf8.contains(where: { $0 >= 0xCC }) else { return nil }
            // The standard library's own NFC. Foundation's `precomposedStringWithCanonicalMapping`
            // is wrong on Linux for conjoining jamo outside the modern ranges: it composes
            // U+1100 U+1176 into U+AE4C and turns U+1113 U+1172 into U+FFFD.
            return String(decoding: utf8, as: UTF8.self)._nfcCodeUnits
        }
    }
}
