// The pre-tokenizer: cuts a normalized text segment into pieces that BPE encodes separately.
// Byte-level mapping itself needs no step here, because the BPE model works on raw bytes.

struct PreTokenizer: Sendable, Equatable {
    /// Hugging Face's `Digits` pre-tokenizer, applied before the split rule.
    enum NumberIsolation: Sendable, Equatable {
        /// Every numeric scalar is its own piece (SmolLM2).
        case individually
        /// Each run of numeric scalars is one piece.
        case runs
    }

    var numberIsolation: NumberIsolation?
    /// The regex split; nil leaves each segment whole.
    var rule: SplitRule?
    /// ByteLevel's `add_prefix_space`: a space goes before each segment that lacks one.
    var addPrefixSpace = false

    /// Appends the pieces of `buffer` (scalar index ranges) to `pieces`.
    func split(_ buffer: ScalarBuffer, into pieces: inout [Range<Int>]) {
        guard buffer.count > 0 else { return }
        guard let numberIsolation else {
            apply(buffer, range: 0..<buffer.count, into: &pieces)
            return
        }
        var start = 0
        while start < buffer.count {
            var end = start + 1
            let isNumber = buffer.classes[start].contains(.number)
            if !isNumber || numberIsolation == .runs {
                while end < buffer.count, buffer.classes[end].contains(.number) == isNumber { end += 1 }
            }
            apply(buffer, range: start..<end, into: &pieces)
            start = end
        }
    }

    private func apply(_ buffer: ScalarBuffer, range: Range<Int>, into pieces: inout [Range<Int>]) {
        if let rule {
            rule.split(buffer, range: range, into: &pieces)
        } else {
            pieces.append(range)
        }
    }
}
