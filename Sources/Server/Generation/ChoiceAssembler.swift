// One choice's tokens → the text a client sees: incremental detokenizing (never half a
// character), stop strings held back and cut, the token ids and logprobs beside the text.
import Engine
import Tokenizer

/// What one step of one choice adds to its output.
struct ChoiceDelta: Sendable, Equatable {
    var text: String
    var tokens: [GeneratedToken]

    var isEmpty: Bool { text.isEmpty && tokens.isEmpty }
}

/// Why a choice ended, as the server reports it.
enum ChoiceFinish: String, Sendable, Equatable {
    case stop, length
    /// The client went away or the server is shutting down.
    case aborted
    /// The request's own timeout expired.
    case timedOut

    /// OpenAI's `finish_reason`.
    var openAIReason: String {
        switch self {
        case .stop: return "stop"
        case .length: return "length"
        case .aborted: return "abort"
        case .timedOut: return "timeout"
        }
    }
}

struct ChoiceAssembler: Sendable {
    private var detokenizer: IncrementalDetokenizer
    private var stops: StopStringMatcher
    /// Tokens that count as output: all of them up to and including the one that completed
    /// a stop string.
    private(set) var completionTokens = 0

    init(tokenizer: Tokenizer, skipSpecialTokens: Bool, stopStrings: [String]) {
        detokenizer = tokenizer.makeIncrementalDetokenizer(skipSpecialTokens: skipSpecialTokens)
        stops = StopStringMatcher(stopStrings)
    }

    /// True once a stop string appeared: later tokens are not output.
    var hitStopString: Bool { stops.matched }

    mutating func accept(_ token: GeneratedToken) -> ChoiceDelta {
        guard !stops.matched else { return ChoiceDelta(text: "", tokens: []) }
        completionTokens += 1
        let text = stops.push(detokenizer.feed(token.id))
        return ChoiceDelta(text: text, tokens: [token])
    }

    /// The text still held back when generation ends (an unfinished character, a tail that
    /// was not a stop string after all).
    mutating func finish() -> String {
        guard !stops.matched else { return "" }
        let tail = stops.push(detokenizer.finish())
        return tail + stops.finish()
    }
}
