// The tokens the lexer hands to the parser: template text, tag delimiters, and the pieces of
// the expressions inside tags.

enum TokenKind: Equatable {
    case text(String)
    case variableBegin, variableEnd  // {{ }}
    case blockBegin, blockEnd        // {% %}
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    /// Operators and punctuation: `+`, `//`, `==`, `(`, `.`, `|`, ...
    case symbol(String)
    case endOfInput
}

struct Token: Equatable {
    let kind: TokenKind
    let line: Int

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .text: "template text"
        case .variableBegin: "'{{'"
        case .variableEnd: "'}}'"
        case .blockBegin: "'{%'"
        case .blockEnd: "'%}'"
        case .name(let name): "'\(name)'"
        case .string(let value): "string \(PythonRepr.string(value))"
        case .integer(let value): "integer \(value)"
        case .float(let value): "number \(PythonRepr.float(value))"
        case .symbol(let symbol): "'\(symbol)'"
        case .endOfInput: "end of template"
        }
    }
}
