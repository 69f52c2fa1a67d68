// Matchers for the pre-tokenizer regexes, one alternative at a time in the regex's order.
// Each returns the end of the match at `start`; some alternative always matches at least one
// scalar, because the last alternatives cover every class of character.

struct PreTokenScanner {
    let scalars: [UInt32]
    let classes: [ScalarClass]
    /// One past the last scalar this scanner may look at (the regex sees only its segment).
    let end: Int

    private static let apostrophe: UInt32 = 0x27
    private static let space: UInt32 = 0x20

    /// The Llama-3 regex (and Qwen2's, which differs only in `maxDigits`).
    func matchLlama3Style(at start: Int, maxDigits: Int) -> Int {
        if scalars[start] == Self.apostrophe, let length = contractionLength(after: start, caseInsensitive: true) {
            return start + 1 + length
        }
        let first = classes[start]
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if first.contains(.letter) { return run(of: .letter, from: start) }
        if first.isDisjoint(with: [.letter, .number, .newline]), start + 1 < end, classes[start + 1].contains(.letter) {
            return run(of: .letter, from: start + 1)
        }
        // \p{N}{1,maxDigits}
        if first.contains(.number) {
            var position = start + 1
            while position < end, position - start < maxDigits, classes[position].contains(.number) { position += 1 }
            return position
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        if let symbolsEnd = symbolRun(at: start) { return run(of: .newline, from: symbolsEnd) }
        return matchWhitespace(at: start, newlineRuns: true)
    }

    /// The GPT-2 regex.
    func matchGPT2(at start: Int) -> Int {
        if scalars[start] == Self.apostrophe, let length = contractionLength(after: start, caseInsensitive: false) {
            return start + 1 + length
        }
        // ` ?\p{L}+` and ` ?\p{N}+`: an optional space, then a run of one class.
        let body = scalars[start] == Self.space && start + 1 < end ? start + 1 : start
        for wordClass in [ScalarClass.letter, .number] {
            if classes[start].contains(wordClass) { return run(of: wordClass, from: start) }
            if body > start, classes[body].contains(wordClass) { return run(of: wordClass, from: body) }
        }
        if let symbolsEnd = symbolRun(at: start) { return symbolsEnd }
        return matchWhitespace(at: start, newlineRuns: false)
    }

    /// ` ?[^\s\p{L}\p{N}]+`: the end of the match, or nil when there is none at `start`.
    private func symbolRun(at start: Int) -> Int? {
        let body = scalars[start] == Self.space ? start + 1 : start
        guard body < end, classes[body].isDisjoint(with: [.whitespace, .letter, .number]) else { return nil }
        var position = body + 1
        while position < end, classes[position].isDisjoint(with: [.whitespace, .letter, .number]) { position += 1 }
        return position
    }

    /// `\s*[\r\n]+` (Llama-3 style only), then `\s+(?!\S)`, then `\s+`, at a whitespace scalar.
    private func matchWhitespace(at start: Int, newlineRuns: Bool) -> Int {
        var runEnd = start
        var lastNewline = -1
        while runEnd < end, classes[runEnd].contains(.whitespace) {
            if classes[runEnd].contains(.newline) { lastNewline = runEnd }
            runEnd += 1
        }
        // Backtracking `\s*` from the run's end stops at its last newline.
        if newlineRuns, lastNewline >= 0 { return lastNewline + 1 }
        guard runEnd > start else { return start + 1 }  // unreachable: every class is covered above
        // `\s+(?!\S)`: the whole run at the end of the text, else all but its last scalar.
        if runEnd == end || runEnd - start == 1 { return runEnd }
        return runEnd - 1
    }

    private func run(of wordClass: ScalarClass, from start: Int) -> Int {
        var position = start
        while position < end, classes[position].contains(wordClass) { position += 1 }
        return position
    }

    /// Length (after the apostrophe) of `s|t|re|ve|m|ll|d`, or nil. Case-insensitive matching
    /// follows Unicode case folding as Oniguruma does: `ſ` (U+017F) folds to `s`.
    private func contractionLength(after apostrophe: Int, caseInsensitive: Bool) -> Int? {
        func letter(_ offset: Int) -> UInt32? {
            let index = apostrophe + offset
            guard index < end else { return nil }
            let value = scalars[index]
            guard caseInsensitive else { return value }
            if value == 0x17F { return UInt32(UInt8(ascii: "s")) }
            return (0x41...0x5A).contains(value) ? value | 0x20 : value
        }
        guard let first = letter(1) else { return nil }
        switch Unicode.Scalar(first).map(Character.init) {
        case "s", "t", "m", "d": return 1
        case "r", "v": return letter(2) == UInt32(UInt8(ascii: "e")) ? 2 : nil
        case "l": return letter(2) == UInt32(UInt8(ascii: "l")) ? 2 : nil
        default: return nil
        }
    }
}
