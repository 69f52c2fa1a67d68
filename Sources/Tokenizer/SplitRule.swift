// The pre-tokenizer regexes this tokenizer knows, each implemented as a hand-written scanner
// with the regex's exact (Oniguruma, leftmost-first) semantics and linear running time.

/// A regex that cuts text into pre-tokens before BPE. Every scalar of the input lands in
/// exactly one piece, so "Isolated" splitting is the same as matching at every position.
enum SplitRule: Sendable, Equatable {
    /// Llama-3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
    /// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// Qwen2/Qwen3: the Llama-3 regex with `\p{N}` (one digit per piece) instead of `\p{N}{1,3}`.
    case qwen2
    /// GPT-2 (also the ByteLevel pre-tokenizer's built-in regex):
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2

    static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let gpt2Pattern =
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// The rule a tokenizer.json `Split` regex spells, if it is one we implement.
    init?(regex: String) {
        switch regex {
        case Self.llama3Pattern: self = .llama3
        case Self.qwen2Pattern: self = .qwen2
        case Self.gpt2Pattern: self = .gpt2
        default: return nil
        }
    }

    /// Appends the pieces of `buffer[range]` (scalar indices) to `pieces`.
    func split(_ buffer: ScalarBuffer, range: Range<Int>, into pieces: inout [Range<Int>]) {
        let scanner = PreTokenScanner(
            scalars: buffer.scalars, classes: buffer.classes, end: range.upperBound)
        var start = range.lowerBound
        while start < range.upperBound {
            let end: Int
            switch self {
            case .llama3: end = scanner.matchLlama3Style(at: start, maxDigits: 3)
            case .qwen2: end = scanner.matchLlama3Style(at: start, maxDigits: 1)
            case .gpt2: end = scanner.matchGPT2(at: start)
            }
            pieces.append(start..<end)
            start = end
        }
    }
}
