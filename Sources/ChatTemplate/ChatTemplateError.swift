// Everything that can go wrong when parsing or rendering a chat template. The rule is: an
// unsupported construct is a clear error naming it, never a silently different prompt.

/// Why a chat template could not be parsed or rendered.
public enum ChatTemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The template source is not valid Jinja (unclosed tag, bad expression...).
    case syntax(String, line: Int)
    /// Valid Jinja that this interpreter does not implement (a tag, filter, test or method).
    case unsupported(String, line: Int?)
    /// The template itself called `raise_exception(message)`: the conversation is not one
    /// this model accepts (for example roles that do not alternate).
    case raised(String)
    /// An attribute or item was read from an undefined value (jinja2's UndefinedError).
    case undefined(String)
    /// An operation on values of the wrong types, like Python's TypeError / ValueError.
    case typeError(String)
    /// A failure from a statement at a known template line; wraps the underlying error.
    indirect case atLine(Int, ChatTemplateError)

    /// The error without its line wrapper, for callers that match on the kind.
    public var underlying: ChatTemplateError {
        if case .atLine(_, let inner) = self { return inner.underlying }
        return self
    }

    public var description: String {
        switch self {
        case .syntax(let message, let line):
            "chat template syntax error at line \(line): \(message)"
        case .unsupported(let construct, let line):
            "chat template uses \(construct), which FlashServe's template interpreter does not support"
                + (line.map { " (line \($0))" } ?? "")
                + "; pass a simpler template or extend Sources/ChatTemplate"
        case .raised(let message):
            "the chat template rejected the conversation: \(message)"
        case .undefined(let message):
            "chat template read an undefined value: \(message); check the message fields it expects"
        case .typeError(let message):
            "chat template type error: \(message)"
        case .atLine(let line, let inner):
            "\(inner.underlying.description) (template line \(line))"
        }
    }
}
