// Evaluates expressions to values. Operator semantics are Python's (Operators.swift);
// attribute and item access follow jinja2's sandbox (ValueAccess.swift).

extension Renderer {
    func evaluate(_ expression: Expression, in scope: Scope) throws(ChatTemplateError) -> TemplateValue {
        switch expression {
        case .literal(let value):
            return value
        case .name(let name):
            return scope.lookup(name) ?? Globals.value(named: name, environment: environment) ?? .undefined(name)
        case .list(let items):
            return .array(try evaluateAll(items, in: scope))
        case .tuple(let items):
            return .tuple(try evaluateAll(items, in: scope))
        case .dict(let pairs):
            var object = TemplateObject()
            for pair in pairs {
                guard let key = try evaluate(pair.key, in: scope).stringValue else {
                    throw .unsupported("dictionary keys that are not strings", line: nil)
                }
                object[key] = try evaluate(pair.value, in: scope)
            }
            return .object(object)
        case .attribute(let base, let name):
            return try ValueAccess.attribute(name, of: try evaluate(base, in: scope))
        case .item(let base, let index):
            return try ValueAccess.item(try evaluate(index, in: scope), of: try evaluate(base, in: scope))
        case .slice(let base, let start, let stop, let step):
            let value = try evaluate(base, in: scope)
            return try ValueAccess.slice(
                value, start: try evaluateOptional(start, in: scope),
                stop: try evaluateOptional(stop, in: scope), step: try evaluateOptional(step, in: scope))
        case .call(let callee, let arguments):
            let function = try evaluate(callee, in: scope)
            return try call(function, with: try evaluateArguments(arguments, in: scope))
        case .filter(let base, let name, let arguments, _):
            return try applyFilter(name, to: try evaluate(base, in: scope), arguments: arguments, in: scope)
        case .test(let base, let name, let arguments, let negated, _):
            let value = try evaluate(base, in: scope)
            let result = try TestLibrary.apply(name, to: value, arguments: try evaluateArguments(arguments, in: scope))
            return .bool(result != negated)
        case .negate(let operand):
            return try Operators.negate(try evaluate(operand, in: scope))
        case .unaryPlus(let operand):
            let value = try evaluate(operand, in: scope)
            guard value.numericValue != nil else { throw .typeError("bad operand type for unary +: '\(value.pythonTypeName)'") }
            return value
        case .not(let operand):
            return .bool(!(try evaluate(operand, in: scope).isTruthy))
        case .and(let left, let right):
            // Python returns the deciding operand itself, not a bool.
            let value = try evaluate(left, in: scope)
            return value.isTruthy ? try evaluate(right, in: scope) : value
        case .or(let left, let right):
            let value = try evaluate(left, in: scope)
            return value.isTruthy ? value : try evaluate(right, in: scope)
        case .binary(let op, let left, let right):
            return try Operators.apply(op, try evaluate(left, in: scope), try evaluate(right, in: scope))
        case .compare(let first, let operations):
            var left = try evaluate(first, in: scope)
            for (op, rightExpression) in operations {
                let right = try evaluate(rightExpression, in: scope)
                guard try Operators.compare(op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let condition, let then, let otherwise):
            if try evaluate(condition, in: scope).isTruthy { return try evaluate(then, in: scope) }
            guard let otherwise else { return .undefined("conditional expression without else") }
            return try evaluate(otherwise, in: scope)
        }
    }

    private func evaluateAll(_ expressions: [Expression], in scope: Scope) throws(ChatTemplateError) -> [TemplateValue] {
        var values: [TemplateValue] = []
        for expression in expressions { values.append(try evaluate(expression, in: scope)) }
        return values
    }

    private func evaluateOptional(_ expression: Expression?, in scope: Scope) throws(ChatTemplateError) -> TemplateValue? {
        guard let expression else { return nil }
        return try evaluate(expression, in: scope)
    }

    func evaluateArguments(_ arguments: [Argument], in scope: Scope) throws(ChatTemplateError) -> TemplateArguments {
        var evaluated = TemplateArguments()
        for argument in arguments {
            let value = try evaluate(argument.value, in: scope)
            if let name = argument.name {
                evaluated.keyword.append((name, value))
            } else {
                evaluated.positional.append(value)
            }
        }
        return evaluated
    }

    func call(_ callee: TemplateValue, with arguments: TemplateArguments) throws(ChatTemplateError) -> TemplateValue {
        switch callee {
        case .function(let function):
            return try function.call(arguments)
        case .undefined(let name):
            throw .undefined("'\(name)' is undefined")
        default:
            throw .typeError("'\(callee.pythonTypeName)' object is not callable")
        }
    }

    func applyFilter(
        _ name: String, to value: TemplateValue, arguments: [Argument], in scope: Scope
    ) throws(ChatTemplateError) -> TemplateValue {
        try FilterLibrary.apply(name, to: value, arguments: try evaluateArguments(arguments, in: scope))
    }
}
