// Streaming detokenization: text deltas as ids arrive, never cutting a UTF-8 character in
// half, and always adding up to exactly what decoding the whole sequence gives.

/// Feed ids one or more at a time; each call returns the text that is now final. Bytes of a
/// character still missing its last bytes are held back until they arrive (or `finish()`).
public struct IncrementalDetokenizer: Sendable {
    let tokenizer: Tokenizer
    let skipSpecialTokens: Bool
    /// Bytes received but not yet returned: at most the start of one unfinished character.
    private var pending: [UInt8] = []

    init(tokenizer: Tokenizer, skipSpecialTokens: Bool) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// The new text that `ids` complete (possibly empty).
    public mutating func feed(_ ids: some Sequence<Int32>) -> String {
        for id in ids { tokenizer.appendBytes(of: id, skipSpecialTokens: skipSpecialTokens, to: &pending) }
        let cut = UTF8Boundary.endOfCompleteText(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    public mutating func feed(_ id: Int32) -> String { feed(CollectionOfOne(id)) }

    /// What is left at the end of the stream: an unfinished character decodes to U+FFFD, as it
    /// does when the whole sequence is decoded at once.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }
}

enum UTF8Boundary {
    /// Length of the longest prefix of `bytes` that does not end inside a character that more
    /// bytes could still complete. Decoding that prefix and the rest separately (U+FFFD for
    /// ill-formed bytes) gives the same text as decoding both together, because the rest
    /// starts at a lead byte, where a decoder always starts afresh.
    static func endOfCompleteText(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        // The last lead byte within reach of an unfinished 4-byte character.
        var lead = count - 1
        while lead >= 0, lead > count - 4, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        guard lead >= 0 else { return count }
        let needed = sequenceLength(lead: bytes[lead])
        guard needed > count - lead else { return count }  // complete, or not a lead byte at all
        // Hold it back only while it is a valid start: a later byte may still complete it.
        for offset in 1..<(count - lead) where !isValidContinuation(bytes[lead + offset], offset: offset, lead: bytes[lead]) {
            return count
        }
        return lead
    }

    /// How many bytes a sequence starting with `lead` has; 1 for ASCII and for bytes that can
    /// never start one (which then decode to U+FFFD on their own).
    private static func sequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 1
        }
    }

    /// The second byte's narrower ranges exclude overlong forms, surrogates and values past U+10FFFF.
    private static func isValidContinuation(_ byte: UInt8, offset: Int, lead: UInt8) -> Bool {
        guard offset == 1 else { return byte & 0xC0 == 0x80 }
        switch lead {
        case 0xE0: return (0xA0...0xBF).contains(byte)
        case 0xED: return (0x80...0x9F).contains(byte)
        case 0xF0: return (0x90...0xBF).contains(byte)
        case 0xF4: return (0x80...0x8F).contains(byte)
        default: return byte & 0xC0 == 0x80
        }
    }
}
