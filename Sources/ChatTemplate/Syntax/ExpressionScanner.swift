// Tokenizes the inside of one `{{ ... }}` or `{% ... %}` tag. Like jinja2, the closing
// delimiter only counts outside brackets, so `{{ {'a': {'b': 1}} }}` closes at the last `}}`.

struct ExpressionScanner {
    struct Result {
        var tokens: [Token]
        /// Index just past the closing delimiter.
        var endPosition: Int
        /// `-` or `+` written before the closing delimiter, if any.
        var stripSign: Unicode.Scalar?
    }

    private let source: Scalars
    private var position: Int
    private var line: Int
    private let isBlock: Bool
    private var brackets: [Unicode.Scalar] = []

    private static let twoCharacterSymbols: Set<String> = ["//", "**", "==", "!=", "<=", ">="]
    private static let oneCharacterSymbols: Set<Unicode.Scalar> = [
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";",
    ]

    init(source: Scalars, position: Int, line: Int, isBlock: Bool) {
        self.source = source
        self.position = position
        self.line = line
        self.isBlock = isBlock
    }

    mutating func scanUntilTagEnd() throws(ChatTemplateError) -> Result {
        var tokens: [Token] = []
        let startLine = line
        while true {
            skipWhitespace()
            guard position < source.count else {
                throw .syntax("tag opened here is never closed with '\(isBlock ? "%}" : "}}")'", line: startLine)
            }
            if brackets.isEmpty, let end = tagEnd() {
                return Result(tokens: tokens, endPosition: end.position, stripSign: end.sign)
            }
            tokens.append(Token(kind: try nextToken(), line: line))
        }
    }

    private mutating func skipWhitespace() {
        while position < source.count, PythonString.isWhitespace(source[position]) {
            if source[position] == "\n" { line += 1 }
            position += 1
        }
    }

    private func matches(_ literal: String, at index: Int) -> Bool {
        let scalars = literal.scalars
        guard index + scalars.count <= source.count else { return false }
        return source[index..<index + scalars.count].elementsEqual(scalars)
    }

    private func tagEnd() -> (position: Int, sign: Unicode.Scalar?)? {
        let closer = isBlock ? "%}" : "}}"
        for sign in ["-", "+"] where matches(sign + closer, at: position) {
            // `+}}` is not a jinja2 delimiter; only blocks accept the `+` form.
            if sign == "+", !isBlock { continue }
            return (position + 3, sign.unicodeScalars.first)
        }
        return matches(closer, at: position) ? (position + 2, nil) : nil
    }

    private mutating func nextToken() throws(ChatTemplateError) -> TokenKind {
        let scalar = source[position]
        if scalar == "_" || scalar.properties.isAlphabetic { return scanName() }
        if ("0"..."9").contains(scalar) { return try scanNumber() }
        if scalar == "'" || scalar == "\"" { return try scanString() }
        if position + 1 < source.count {
            let pair = String(scalars: source[position...position + 1])
            if Self.twoCharacterSymbols.contains(pair) {
                position += 2
                return .symbol(pair)
            }
        }
        guard Self.oneCharacterSymbols.contains(scalar) else {
            throw .syntax("unexpected character '\(scalar)' inside a tag", line: line)
        }
        position += 1
        try balance(scalar)
        return .symbol(String(scalar))
    }

    private mutating func balance(_ scalar: Unicode.Scalar) throws(ChatTemplateError) {
        let pairs: [Unicode.Scalar: Unicode.Scalar] = [")": "(", "]": "[", "}": "{"]
        if ["(", "[", "{"].contains(scalar) {
            brackets.append(scalar)
        } else if let opener = pairs[scalar] {
            guard brackets.last == opener else { throw .syntax("unexpected '\(scalar)'", line: line) }
            brackets.removeLast()
        }
    }

    private mutating func scanName() -> TokenKind {
        let start = position
        while position < source.count,
              source[position] == "_" || source[position].properties.isAlphabetic
                || ("0"..."9").contains(source[position]) {
            position += 1
        }
        return .name(String(scalars: source[start..<position]))
    }

    /// Integers and floats, with Python's `_` digit separators and exponents.
    private mutating func scanNumber() throws(ChatTemplateError) -> TokenKind {
        let start = position
        func digits() { while position < source.count, ("0"..."9").contains(source[position]) || source[position] == "_" { position += 1 } }
        digits()
        var isFloat = false
        if position + 1 < source.count, source[position] == ".", ("0"..."9").contains(source[position + 1]) {
            isFloat = true
            position += 1
            digits()
        }
        if position < source.count, source[position] == "e" || source[position] == "E" {
            var cursor = position + 1
            if cursor < source.count, source[cursor] == "+" || source[cursor] == "-" { cursor += 1 }
            if cursor < source.count, ("0"..."9").contains(source[cursor]) {
                isFloat = true
                position = cursor
                digits()
            }
        }
        let text = String(scalars: source[start..<position].filter { $0 != "_" })
        if isFloat, let value = Double(text) { return .float(value) }
        if !isFloat, let value = Int(text) { return .integer(value) }
        throw .syntax("invalid number '\(text)'", line: line)
    }

    /// A quoted string, decoded like Python's unicode-escape (which is what jinja2 uses).
    private mutating func scanString() throws(ChatTemplateError) -> TokenKind {
        let quote = source[position]
        let startLine = line
        position += 1
        var value = String.UnicodeScalarView()
        while position < source.count {
            let scalar = source[position]
            position += 1
            if scalar == quote { return .string(String(value)) }
            if scalar == "\n" { line += 1 }
            guard scalar == "\\", position < source.count else { value.append(scalar); continue }
            value.append(contentsOf: try decodeEscape())
        }
        throw .syntax("string literal is never closed", line: startLine)
    }

    private mutating func decodeEscape() throws(ChatTemplateError) -> [Unicode.Scalar] {
        let escape = source[position]
        position += 1
        let simple: [Unicode.Scalar: Unicode.Scalar] = [
            "n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", "\"": "\"",
            "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}", "v": "\u{0B}",
        ]
        if escape == "\n" { line += 1; return [] }  // backslash-newline is a line continuation
        if let mapped = simple[escape] { return [mapped] }
        let hexLengths: [Unicode.Scalar: Int] = ["x": 2, "u": 4, "U": 8]
        if let length = hexLengths[escape] {
            guard position + length <= source.count,
                  let value = UInt32(String(scalars: source[position..<position + length]), radix: 16),
                  let scalar = Unicode.Scalar(value)
            else { throw .syntax("invalid \\\(escape) escape in string literal", line: line) }
            position += length
            return [scalar]
        }
        if ("0"..."7").contains(escape) {
            var value = escape.value - 48
            var count = 1
            while count < 3, position < source.count, ("0"..."7").contains(source[position]) {
                value = value * 8 + source[position].value - 48
                position += 1
                count += 1
            }
            return [Unicode.Scalar(value)!]
        }
        return ["\\", escape]  // Python keeps unknown escapes as written
    }
}
