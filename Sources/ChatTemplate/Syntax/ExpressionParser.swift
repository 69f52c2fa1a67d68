// Expression grammar, following jinja2's parser so that precedence matches exactly:
//   conditional (a if c else b) < or < and < not < comparisons (== in ...) < + - < ~
//   < * / // % < ** < unary - + < postfix (. [] ()) < filters and tests (| is)
// Filters bind to the unary result, so `-1|abs` is `(-1)|abs`, and `not x is defined`
// is `not (x is defined)`.

extension TemplateParser {
    /// A comma-separated list becomes a tuple; ends at a tag end, `)` or `extraEnds` names.
    mutating func parseTuple(withCondition: Bool = true, extraEnds: Set<String> = []) throws(ChatTemplateError) -> Expression {
        var items: [Expression] = []
        var isTuple = false
        while true {
            if !items.isEmpty {
                try expect(symbol: ",")
                isTuple = true
            }
            if isTupleEnd(extraEnds) { break }
            items.append(withCondition ? try parseExpression() : try parseOr())
            if !isSymbol(",") { break }
        }
        if !isTuple, let only = items.first { return only }
        return .tuple(items)
    }

    private func isTupleEnd(_ extraEnds: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .symbol(")"), .symbol("]"): true
        case .name(let name): extraEnds.contains(name)
        default: false
        }
    }

    mutating func parseExpression() throws(ChatTemplateError) -> Expression {
        var expression = try parseOr()
        while skip(name: "if") {
            let condition = try parseOr()
            let otherwise = skip(name: "else") ? try parseExpression() : nil
            expression = .conditional(condition: condition, then: expression, otherwise: otherwise)
        }
        return expression
    }

    private mutating func parseOr() throws(ChatTemplateError) -> Expression {
        var left = try parseAnd()
        while skip(name: "or") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(ChatTemplateError) -> Expression {
        var left = try parseNot()
        while skip(name: "and") { left = .and(left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws(ChatTemplateError) -> Expression {
        if skip(name: "not") { return .not(try parseNot()) }
        return try parseCompare()
    }

    private mutating func parseCompare() throws(ChatTemplateError) -> Expression {
        let first = try parseAdditive()
        var operations: [(CompareOperator, Expression)] = []
        while true {
            let op: CompareOperator
            if case .symbol(let symbol) = current.kind, let symbolOperator = CompareOperator(rawValue: symbol) {
                advance()
                op = symbolOperator
            } else if skip(name: "in") {
                op = .contains
            } else if isName("not"), peek().kind == .name("in") {
                advance()
                advance()
                op = .notContains
            } else {
                break
            }
            operations.append((op, try parseAdditive()))
        }
        return operations.isEmpty ? first : .compare(first, operations)
    }

    private mutating func parseBinary(
        _ symbols: [BinaryOperator], operand: (inout TemplateParser) throws(ChatTemplateError) -> Expression
    ) throws(ChatTemplateError) -> Expression {
        var left = try operand(&self)
        while case .symbol(let symbol) = current.kind, let op = BinaryOperator(rawValue: symbol), symbols.contains(op) {
            advance()
            left = .binary(op, left, try operand(&self))
        }
        return left
    }

    private mutating func parseAdditive() throws(ChatTemplateError) -> Expression {
        try parseBinary([.add, .subtract]) { (parser) throws(ChatTemplateError) in try parser.parseConcat() }
    }

    private mutating func parseConcat() throws(ChatTemplateError) -> Expression {
        try parseBinary([.concat]) { (parser) throws(ChatTemplateError) in try parser.parseMultiplicative() }
    }

    private mutating func parseMultiplicative() throws(ChatTemplateError) -> Expression {
        try parseBinary([.multiply, .divide, .floorDivide, .modulo]) { (parser) throws(ChatTemplateError) in
            try parser.parsePower()
        }
    }

    private mutating func parsePower() throws(ChatTemplateError) -> Expression {
        try parseBinary([.power]) { (parser) throws(ChatTemplateError) in try parser.parseUnary() }
    }

    private mutating func parseUnary(withFilters: Bool = true) throws(ChatTemplateError) -> Expression {
        var expression: Expression
        if skip(symbol: "-") {
            expression = .negate(try parseUnary(withFilters: false))
        } else if skip(symbol: "+") {
            expression = .unaryPlus(try parseUnary(withFilters: false))
        } else {
            expression = try parsePrimary()
        }
        expression = try parsePostfix(expression)
        return withFilters ? try parseFiltersAndTests(expression) : expression
    }

    private mutating func parsePrimary() throws(ChatTemplateError) -> Expression {
        let token = advance()
        switch token.kind {
        case .name("true"), .name("True"): return .literal(.bool(true))
        case .name("false"), .name("False"): return .literal(.bool(false))
        case .name("none"), .name("None"): return .literal(.none)
        case .name(let name): return .name(name)
        case .string(var value):
            // Adjacent string literals join, as in Python: 'a' "b" is "ab".
            while case .string(let next) = current.kind { value += next; advance() }
            return .literal(.string(value))
        case .integer(let value): return .literal(.int(value))
        case .float(let value): return .literal(.double(value))
        case .symbol("("):
            if skip(symbol: ")") { return .tuple([]) }
            let inner = try parseTuple()
            try expect(symbol: ")")
            return inner
        case .symbol("["):
            var items: [Expression] = []
            while !skip(symbol: "]") {
                if !items.isEmpty { try expect(symbol: ",") }
                if skip(symbol: "]") { break }
                items.append(try parseExpression())
            }
            return .list(items)
        case .symbol("{"):
            var pairs: [(key: Expression, value: Expression)] = []
            while !skip(symbol: "}") {
                if !pairs.isEmpty { try expect(symbol: ",") }
                if skip(symbol: "}") { break }
                let key = try parseExpression()
                try expect(symbol: ":")
                pairs.append((key, try parseExpression()))
            }
            return .dict(pairs)
        default:
            throw .syntax("unexpected \(token.display) in an expression", line: token.line)
        }
    }

    private mutating func parsePostfix(_ base: Expression) throws(ChatTemplateError) -> Expression {
        var expression = base
        while true {
            if skip(symbol: ".") {
                switch advance().kind {
                case .name(let name): expression = .attribute(expression, name)
                case .integer(let index): expression = .item(expression, .literal(.int(index)))
                default: throw failure("expected an attribute name after '.'")
                }
            } else if skip(symbol: "[") {
                expression = try parseSubscript(expression)
            } else if isSymbol("(") {
                expression = .call(expression, try parseCallArguments())
            } else {
                return expression
            }
        }
    }

    /// `x[i]` or a slice `x[start:stop:step]`, any part optional.
    private mutating func parseSubscript(_ base: Expression) throws(ChatTemplateError) -> Expression {
        func isSliceEnd(_ parser: TemplateParser) -> Bool { parser.isSymbol(":") || parser.isSymbol("]") }
        let start = isSliceEnd(self) ? nil : try parseExpression()
        guard skip(symbol: ":") else {
            try expect(symbol: "]")
            guard let start else { throw failure("empty subscript") }
            return .item(base, start)
        }
        let stop = isSliceEnd(self) ? nil : try parseExpression()
        var step: Expression?
        if skip(symbol: ":"), !isSymbol("]") { step = try parseExpression() }
        try expect(symbol: "]")
        return .slice(base, start: start, stop: stop, step: step)
    }

    mutating func parseCallArguments() throws(ChatTemplateError) -> [Argument] {
        try expect(symbol: "(")
        var arguments: [Argument] = []
        while !skip(symbol: ")") {
            if !arguments.isEmpty { try expect(symbol: ",") }
            if skip(symbol: ")") { break }
            if isSymbol("*") || isSymbol("**") {
                throw .unsupported("'*args' / '**kwargs' in calls", line: current.line)
            }
            if case .name(let name) = current.kind, peek().kind == .symbol("=") {
                advance()
                advance()
                arguments.append(Argument(name: name, value: try parseExpression()))
            } else {
                if arguments.contains(where: { $0.name != nil }) { throw failure("positional argument follows keyword argument") }
                arguments.append(Argument(name: nil, value: try parseExpression()))
            }
        }
        return arguments
    }

    private mutating func parseFiltersAndTests(_ base: Expression) throws(ChatTemplateError) -> Expression {
        var expression = base
        while true {
            if skip(symbol: "|") {
                let (name, arguments, line) = try parseFilterCall()
                expression = .filter(expression, name: name, arguments: arguments, line: line)
            } else if skip(name: "is") {
                expression = try parseTest(expression)
            } else if isSymbol("(") {
                expression = .call(expression, try parseCallArguments())
            } else {
                return expression
            }
        }
    }

    private mutating func parseFilterCall() throws(ChatTemplateError) -> (String, [Argument], Int) {
        let line = current.line
        // An unknown filter fails when it is reached, not here: jinja2 3 compiles filters
        // inside untaken branches lazily, and templates rely on it (`fromjson` in tool paths).
        let name = try expectName()
        let arguments = isSymbol("(") ? try parseCallArguments() : []
        return (name, arguments, line)
    }

    /// `name(args) | name2 ...` after `{% filter` or `{% set x |`.
    mutating func parseFilterChain() throws(ChatTemplateError) -> [(name: String, arguments: [Argument])] {
        var filters: [(name: String, arguments: [Argument])] = []
        if current.kind == .blockEnd { return filters }
        _ = skip(symbol: "|")  // `{% set x | trim %}` writes a pipe; `{% filter trim %}` does not
        repeat {
            let (name, arguments, _) = try parseFilterCall()
            filters.append((name, arguments))
        } while skip(symbol: "|")
        return filters
    }

    /// `is [not] name`, with arguments in parentheses or one bare argument (`is sameas false`).
    private mutating func parseTest(_ subject: Expression) throws(ChatTemplateError) -> Expression {
        let line = current.line
        let negated = skip(name: "not")
        let name = try expectName()
        var arguments: [Argument] = []
        if isSymbol("(") {
            arguments = try parseCallArguments()
        } else if startsBareTestArgument() {
            arguments = [Argument(name: nil, value: try parsePostfix(try parsePrimary()))]
        }
        return .test(subject, name: name, arguments: arguments, negated: negated, line: line)
    }

    private func startsBareTestArgument() -> Bool {
        switch current.kind {
        case .name(let name): !["else", "or", "and", "is"].contains(name)
        case .string, .integer, .float, .symbol("["), .symbol("{"): true
        default: false
        }
    }
}
