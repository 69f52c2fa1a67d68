// Parses the token stream into statements. Expressions are parsed in ExpressionParser.swift.
// Tags this interpreter does not implement (include, extends, call, ...) are rejected here,
// when the template is loaded, rather than when some conversation happens to reach them.

struct TemplateParser {
    private(set) var tokens: [Token]
    private(set) var index = 0
    private var loopDepth = 0

    static func parse(_ source: String) throws(ChatTemplateError) -> [Node] {
        var parser = TemplateParser(tokens: try TemplateLexer.tokenize(source))
        let (body, _) = try parser.parseBody(until: [])
        return body
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    // MARK: Token stream

    var current: Token { tokens[index] }

    func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }
    func isName(_ name: String) -> Bool { current.kind == .name(name) }

    mutating func skip(symbol: String) -> Bool {
        guard isSymbol(symbol) else { return false }
        advance()
        return true
    }

    mutating func skip(name: String) -> Bool {
        guard isName(name) else { return false }
        advance()
        return true
    }

    func failure(_ message: String) -> ChatTemplateError { .syntax(message, line: current.line) }

    mutating func expect(symbol: String) throws(ChatTemplateError) {
        guard skip(symbol: symbol) else { throw failure("expected '\(symbol)', found \(current.display)") }
    }

    mutating func expectName() throws(ChatTemplateError) -> String {
        guard case .name(let name) = current.kind else { throw failure("expected a name, found \(current.display)") }
        advance()
        return name
    }

    mutating func expectBlockEnd() throws(ChatTemplateError) {
        guard current.kind == .blockEnd else { throw failure("expected '%}', found \(current.display)") }
        advance()
    }

    // MARK: Statements

    /// Parses nodes until a block tag named in `endTags`; returns that tag's name, consumed
    /// up to (not including) the rest of its tag, so the caller can read `elif cond`.
    mutating func parseBody(until endTags: Set<String>) throws(ChatTemplateError) -> ([Node], String?) {
        var nodes: [Node] = []
        while true {
            let token = current
            switch token.kind {
            case .text(let text):
                advance()
                nodes.append(Node(statement: .text(text), line: token.line))
            case .variableBegin:
                advance()
                let expression = try parseTuple()
                guard current.kind == .variableEnd else { throw failure("expected '}}', found \(current.display)") }
                advance()
                nodes.append(Node(statement: .output(expression), line: token.line))
            case .blockBegin:
                advance()
                if case .name(let name) = current.kind, endTags.contains(name) {
                    advance()
                    return (nodes, name)
                }
                nodes.append(Node(statement: try parseStatement(), line: token.line))
            case .endOfInput:
                guard endTags.isEmpty else {
                    let expected = endTags.sorted().map { "'{% \($0) %}'" }.joined(separator: " or ")
                    throw failure("template ended before \(expected)")
                }
                return (nodes, nil)
            default:
                throw failure("unexpected \(token.display)")
            }
        }
    }

    private mutating func parseStatement() throws(ChatTemplateError) -> Statement {
        let line = current.line
        let keyword = try expectName()
        switch keyword {
        case "if": return try parseIf()
        case "for": return try parseFor()
        case "set": return try parseSet()
        case "macro": return try parseMacro()
        case "filter":
            let filters = try parseFilterChain()
            try expectBlockEnd()
            return .filterBlock(filters: filters, body: try parseClosedBody("endfilter"))
        case "with": return try parseWith()
        case "generation":
            try expectBlockEnd()
            return .generation(try parseClosedBody("endgeneration"))
        case "break", "continue":
            guard loopDepth > 0 else { throw .syntax("'\(keyword)' outside of a for loop", line: line) }
            try expectBlockEnd()
            return keyword == "break" ? .breakLoop : .continueLoop
        case "include", "extends", "block", "import", "from", "call", "macro_call", "do", "autoescape", "trans":
            throw .unsupported("the '{% \(keyword) %}' tag", line: line)
        default:
            throw .syntax("unknown tag '\(keyword)'", line: line)
        }
    }

    /// Parses a body up to `{% endTag %}` and consumes that closing tag.
    private mutating func parseClosedBody(_ endTag: String) throws(ChatTemplateError) -> [Node] {
        let (body, _) = try parseBody(until: [endTag])
        try expectBlockEnd()
        return body
    }

    private mutating func parseIf() throws(ChatTemplateError) -> Statement {
        var branches: [(condition: Expression, body: [Node])] = []
        var condition = try parseExpression()
        while true {
            try expectBlockEnd()
            let (body, endTag) = try parseBody(until: ["elif", "else", "endif"])
            branches.append((condition, body))
            switch endTag {
            case "elif":
                condition = try parseExpression()
            case "else":
                try expectBlockEnd()
                return .conditional(branches: branches, otherwise: try parseClosedBody("endif"))
            default:
                try expectBlockEnd()
                return .conditional(branches: branches, otherwise: [])
            }
        }
    }

    private mutating func parseFor() throws(ChatTemplateError) -> Statement {
        let target = try parseAssignTarget(allowNamespace: false)
        guard skip(name: "in") else { throw failure("expected 'in' in for loop, found \(current.display)") }
        let iterable = try parseTuple(withCondition: false, extraEnds: ["recursive"])
        let filter = skip(name: "if") ? try parseExpression() : nil
        if isName("recursive") { throw .unsupported("recursive for loops", line: current.line) }
        try expectBlockEnd()
        loopDepth += 1
        let (body, endTag) = try parseBody(until: ["endfor", "else"])
        loopDepth -= 1
        try expectBlockEnd()
        var otherwise: [Node] = []
        if endTag == "else" {
            otherwise = try parseClosedBody("endfor")
        }
        return .forLoop(ForLoop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise))
    }

    private mutating func parseSet() throws(ChatTemplateError) -> Statement {
        let target = try parseAssignTarget(allowNamespace: true)
        if skip(symbol: "=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return .set(target, value)
        }
        let filters = try parseFilterChain()
        try expectBlockEnd()
        return .setBlock(target, filters: filters, body: try parseClosedBody("endset"))
    }

    private mutating func parseMacro() throws(ChatTemplateError) -> Statement {
        let name = try expectName()
        var parameters: [(name: String, defaultValue: Expression?)] = []
        try expect(symbol: "(")
        while !skip(symbol: ")") {
            if !parameters.isEmpty { try expect(symbol: ",") }
            if skip(symbol: ")") { break }
            let parameter = try expectName()
            let defaultValue = skip(symbol: "=") ? try parseExpression() : nil
            if defaultValue == nil, parameters.last?.defaultValue != nil {
                throw failure("non-default argument '\(parameter)' follows default argument")
            }
            parameters.append((parameter, defaultValue))
        }
        try expectBlockEnd()
        let body = try parseClosedBody("endmacro")
        return .macro(MacroDefinition(name: name, parameters: parameters, body: body))
    }

    private mutating func parseWith() throws(ChatTemplateError) -> Statement {
        var assignments: [(AssignTarget, Expression)] = []
        while current.kind != .blockEnd {
            if !assignments.isEmpty { try expect(symbol: ",") }
            let target = try parseAssignTarget(allowNamespace: false)
            try expect(symbol: "=")
            assignments.append((target, try parseExpression()))
        }
        try expectBlockEnd()
        return .with(assignments: assignments, body: try parseClosedBody("endwith"))
    }

    /// `name`, `a, b`, `(a, b)`, or (in `set`) `ns.attribute`.
    private mutating func parseAssignTarget(allowNamespace: Bool) throws(ChatTemplateError) -> AssignTarget {
        var targets = [try parseTargetAtom(allowNamespace: allowNamespace)]
        var sawComma = false
        while skip(symbol: ",") {
            sawComma = true
            if isName("in") || isSymbol("=") || isSymbol(")") || current.kind == .blockEnd { break }
            targets.append(try parseTargetAtom(allowNamespace: allowNamespace))
        }
        return sawComma ? .unpack(targets) : targets[0]
    }

    private mutating func parseTargetAtom(allowNamespace: Bool) throws(ChatTemplateError) -> AssignTarget {
        if skip(symbol: "(") {
            let inner = try parseAssignTarget(allowNamespace: allowNamespace)
            try expect(symbol: ")")
            return inner
        }
        let name = try expectName()
        if allowNamespace, skip(symbol: ".") { return .attribute(name, try expectName()) }
        return .name(name)
    }
}
