// Added and special tokens ("<|im_start|>", "<think>"...) are found in the text before any
// other processing and are never split; this is Hugging Face's AddedVocabulary matching:
// leftmost match first, the longest token at that position.

/// One entry of tokenizer.json's `added_tokens` (or a GGUF control/user-defined token).
struct AddedToken: Sendable, Equatable {
    var id: Int32
    var content: String
    var special: Bool
    /// Matched in the normalized text rather than the raw text.
    var normalized: Bool = false
    /// Also swallow the whitespace before / after the match.
    var leftStrip: Bool = false
    var rightStrip: Bool = false
    /// Only match when not glued to a word character on either side.
    var singleWord: Bool = false
}

/// A piece of text after added-token matching.
enum TextSegment: Equatable {
    /// Ordinary text, as a byte range of the buffer that was searched.
    case text(Range<Int>)
    case addedToken(Int32)
}

/// A byte trie over the added tokens' contents.
struct AddedTokenMatcher: Sendable {
    private var tokens: [AddedToken] = []
    /// Child of (node, byte), keyed `node << 8 | byte`.
    private var children: [Int: Int] = [:]
    /// Index into `tokens` of the token ending at each node, or -1.
    private var terminal: [Int] = [-1]
    private var isFirstByte = [Bool](repeating: false, count: 256)

    var isEmpty: Bool { tokens.isEmpty }

    init(_ tokens: [AddedToken]) {
        for token in tokens where !token.content.isEmpty {
            var node = 0
            for byte in token.content.utf8 {
                let key = node << 8 | Int(byte)
                if let child = children[key] {
                    node = child
                } else {
                    terminal.append(-1)
                    children[key] = terminal.count - 1
                    node = terminal.count - 1
                }
            }
            // A later duplicate of the same content replaces the earlier one.
            if terminal[node] >= 0 {
                self.tokens[terminal[node]] = token
            } else {
                terminal[node] = self.tokens.count
                self.tokens.append(token)
            }
            isFirstByte[Int(token.content.utf8.first!)] = true
        }
    }

    /// Splits `utf8[range]` into text and added tokens, appending to `segments`.
    func split(_ utf8: UnsafeBufferPointer<UInt8>, range: Range<Int>, into segments: inout [TextSegment]) {
        var textStart = range.lowerBound
        var position = range.lowerBound
        while position < range.upperBound {
            guard isFirstByte[Int(utf8[position])], let (token, matchEnd) = longestMatch(utf8, at: position, end: range.upperBound),
                !token.singleWord || isStandalone(utf8, range: position..<matchEnd, within: range)
            else {
                position += 1
                continue
            }
            var start = position
            var end = matchEnd
            if token.leftStrip { start = max(textStart, whitespaceStart(utf8, before: start, from: range.lowerBound)) }
            if token.rightStrip { end = whitespaceEnd(utf8, after: end, to: range.upperBound) }
            if textStart < start { segments.append(.text(textStart..<start)) }
            segments.append(.addedToken(token.id))
            textStart = end
            position = end
        }
        if textStart < range.upperBound { segments.append(.text(textStart..<range.upperBound)) }
    }

    private func longestMatch(_ utf8: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> (AddedToken, Int)? {
        var node = 0
        var best: (AddedToken, Int)?
        var position = start
        while position < end, let child = children[node << 8 | Int(utf8[position])] {
            node = child
            position += 1
            if terminal[node] >= 0 { best = (tokens[terminal[node]], position) }
        }
        return best
    }

    // Word and whitespace tests over the scalars next to a match. `range` bounds the search.

    private func isStandalone(_ utf8: UnsafeBufferPointer<UInt8>, range: Range<Int>, within bounds: Range<Int>) -> Bool {
        // Rust regex's Unicode `\w`, which Hugging Face tests with: letters and other
        // alphabetic scalars, marks, decimal digits, connector punctuation, joiners.
        func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
            let properties = scalar.properties
            if properties.isAlphabetic || properties.isJoinControl { return true }
            switch properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
            default: return false
            }
        }
        if range.lowerBound > bounds.lowerBound, isWordScalar(scalar(utf8, before: range.lowerBound).0) { return false }
        if range.upperBound < bounds.upperBound, isWordScalar(UTF8Scalars.decode(utf8, at: range.upperBound).0) {
            return false
        }
        return true
    }

    private func whitespaceStart(_ utf8: UnsafeBufferPointer<UInt8>, before position: Int, from lower: Int) -> Int {
        var start = position
        while start > lower {
            let (scalar, length) = scalar(utf8, before: start)
            guard scalar.properties.isWhitespace else { break }
            start -= length
        }
        return start
    }

    private func whitespaceEnd(_ utf8: UnsafeBufferPointer<UInt8>, after position: Int, to upper: Int) -> Int {
        var end = position
        while end < upper {
            let (scalar, length) = UTF8Scalars.decode(utf8, at: end)
            guard scalar.properties.isWhitespace else { break }
            end += length
        }
        return end
    }

    private func scalar(_ utf8: UnsafeBufferPointer<UInt8>, before position: Int) -> (Unicode.Scalar, Int) {
        var start = position - 1
        while utf8[start] & 0xC0 == 0x80 { start -= 1 }
        return (UTF8Scalars.decode(utf8, at: start).0, position - start)
    }
}
