// Splits template source into text and tags, applying jinja2's whitespace rules the way
// transformers configures them (trim_blocks and lstrip_blocks on):
//  - `{%-` / `{{-` / `{#-` strip all whitespace before the tag; `-%}` / `-}}` / `-#}` after it.
//  - lstrip_blocks: spaces before a `{%` or `{#` that starts its line are dropped (`{%+` opts out).
//  - trim_blocks: the first newline after `%}` or `#}` is dropped (`+%}` opts out).
//  - Newlines are normalized to "\n" and one trailing newline of the template is dropped.
// Tags are tokenized by ExpressionScanner, which also finds where each tag ends.

struct TemplateLexer {
    private let source: Scalars
    private var position = 0
    private var line = 1
    private var tokens: [Token] = []

    init(_ text: String) {
        var scalars: Scalars = []
        var iterator = text.unicodeScalars.makeIterator()
        var pending = iterator.next()
        while let scalar = pending {
            pending = iterator.next()
            if scalar == "\r" {
                scalars.append("\n")
                if pending == "\n" { pending = iterator.next() }
            } else {
                scalars.append(scalar)
            }
        }
        if scalars.last == "\n" { scalars.removeLast() }  // keep_trailing_newline=False
        source = scalars
    }

    static func tokenize(_ text: String) throws(ChatTemplateError) -> [Token] {
        var lexer = TemplateLexer(text)
        try lexer.run()
        return lexer.tokens
    }

    private mutating func run() throws(ChatTemplateError) {
        while position < source.count {
            guard let tagStart = nextTagStart() else {
                emitText(source[position...])
                position = source.count
                break
            }
            let kind = source[tagStart + 1]
            let signIndex = tagStart + 2
            let sign: Unicode.Scalar? = signIndex < source.count && (source[signIndex] == "-" || source[signIndex] == "+")
                ? source[signIndex] : nil
            let lineStarting = position == 0 || source[position - 1] == "\n"
            var text = source[position..<tagStart]
            if sign == "-" {
                while let last = text.last, PythonString.isWhitespace(last) { text.removeLast() }
            } else if sign != "+", kind != "{" {
                text = lstripped(text, lineStarting: lineStarting)
            }
            emitText(text)
            advance(to: signIndex + (sign == nil ? 0 : 1))
            switch kind {
            case "#": try skipComment()
            case "%":
                if try !lexRawBlock() {
                    tokens.append(Token(kind: .blockBegin, line: line))
                    try scanTag(isBlock: true)
                }
            default:
                tokens.append(Token(kind: .variableBegin, line: line))
                try scanTag(isBlock: false)
            }
        }
        tokens.append(Token(kind: .endOfInput, line: line))
    }

    private func nextTagStart() -> Int? {
        var index = position
        while index + 1 < source.count {
            if source[index] == "{", ["{", "%", "#"].contains(source[index + 1]) { return index }
            index += 1
        }
        return nil
    }

    /// lstrip_blocks: drop the whitespace between the start of the line and the tag.
    private func lstripped(_ text: ArraySlice<Unicode.Scalar>, lineStarting: Bool) -> ArraySlice<Unicode.Scalar> {
        let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? text.startIndex
        guard lineStart > text.startIndex || lineStarting else { return text }
        guard text[lineStart...].allSatisfy(PythonString.isWhitespace) else { return text }
        return text[..<lineStart]
    }

    private mutating func emitText(_ text: ArraySlice<Unicode.Scalar>) {
        guard !text.isEmpty else { return }
        tokens.append(Token(kind: .text(String(scalars: text)), line: line))
    }

    private mutating func advance(to index: Int) {
        while position < index {
            if source[position] == "\n" { line += 1 }
            position += 1
        }
    }

    private func matches(_ literal: String, at index: Int) -> Bool {
        let scalars = literal.scalars
        guard index + scalars.count <= source.count else { return false }
        return source[index..<index + scalars.count].elementsEqual(scalars)
    }

    /// After a closing delimiter: `-` eats all whitespace, trim_blocks eats one newline.
    private mutating func consumeTagEnd(stripSign: Unicode.Scalar?, trimsNewline: Bool) {
        if stripSign == "-" {
            var index = position
            while index < source.count, PythonString.isWhitespace(source[index]) { index += 1 }
            advance(to: index)
        } else if stripSign == nil, trimsNewline, position < source.count, source[position] == "\n" {
            advance(to: position + 1)
        }
    }

    private mutating func skipComment() throws(ChatTemplateError) {
        let startLine = line
        var index = position
        while index + 1 < source.count, !(source[index] == "#" && source[index + 1] == "}") { index += 1 }
        guard index + 1 < source.count else { throw .syntax("comment opened here is never closed with '#}'", line: startLine) }
        let sign: Unicode.Scalar? = index > position && ["-", "+"].contains(source[index - 1]) ? source[index - 1] : nil
        advance(to: index + 2)
        consumeTagEnd(stripSign: sign, trimsNewline: true)
    }

    private mutating func scanTag(isBlock: Bool) throws(ChatTemplateError) {
        var scanner = ExpressionScanner(source: source, position: position, line: line, isBlock: isBlock)
        let scanned = try scanner.scanUntilTagEnd()
        tokens += scanned.tokens
        advance(to: scanned.endPosition)
        tokens.append(Token(kind: isBlock ? .blockEnd : .variableEnd, line: line))
        consumeTagEnd(stripSign: scanned.stripSign, trimsNewline: isBlock)
    }

    /// `{% raw %}...{% endraw %}`: the text inside is emitted verbatim.
    private mutating func lexRawBlock() throws(ChatTemplateError) -> Bool {
        guard let openEnd = rawTag(named: "raw", at: position) else { return false }
        let startLine = line
        advance(to: openEnd.end)
        consumeTagEnd(stripSign: openEnd.sign, trimsNewline: true)
        var index = position
        while index < source.count {
            if source[index] == "{", index + 1 < source.count, source[index + 1] == "%" {
                var nameStart = index + 2
                let sign: Unicode.Scalar? = nameStart < source.count && ["-", "+"].contains(source[nameStart])
                    ? source[nameStart] : nil
                if sign != nil { nameStart += 1 }
                if let close = rawTag(named: "endraw", at: nameStart) {
                    var body = source[position..<index]
                    if sign == "-" { while let last = body.last, PythonString.isWhitespace(last) { body.removeLast() } }
                    emitText(body)
                    advance(to: close.end)
                    consumeTagEnd(stripSign: close.sign, trimsNewline: true)
                    return true
                }
            }
            index += 1
        }
        throw .syntax("'raw' block opened here is never closed with 'endraw'", line: startLine)
    }

    /// Matches `\s* name \s* [-+]? %}` at `index`; returns where it ends and the closing sign.
    private func rawTag(named name: String, at index: Int) -> (end: Int, sign: Unicode.Scalar?)? {
        var cursor = index
        while cursor < source.count, PythonString.isWhitespace(source[cursor]) { cursor += 1 }
        guard matches(name, at: cursor) else { return nil }
        cursor += name.unicodeScalars.count
        while cursor < source.count, PythonString.isWhitespace(source[cursor]) { cursor += 1 }
        var sign: Unicode.Scalar?
        if cursor < source.count, ["-", "+"].contains(source[cursor]) { sign = source[cursor]; cursor += 1 }
        guard matches("%}", at: cursor) else { return nil }
        return (cursor + 2, sign)
    }
}
