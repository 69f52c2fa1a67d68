// jinja2's tests: `x is defined`, `x is string`, `x is none`, `n is divisibleby 3`...
// Their answers follow Python's types: a bool is a number, a string is iterable and a
// sequence, an undefined value is iterable (it iterates as empty).

enum TestLibrary {
    private static let names: Set<String> = [
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number",
        "string", "mapping", "iterable", "sequence", "callable", "sameas", "escaped", "odd", "even",
        "divisibleby", "lower", "upper", "in", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<",
        "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "filter", "test",
    ]

    static func supports(_ name: String) -> Bool { names.contains(name) }

    static func apply(_ name: String, to value: TemplateValue, arguments: TemplateArguments) throws(ChatTemplateError) -> Bool {
        func argument() throws(ChatTemplateError) -> TemplateValue {
            guard let first = arguments.positional.first ?? arguments.keyword.first?.value else {
                throw .typeError("the '\(name)' test needs an argument")
            }
            return first
        }
        switch name {
        case "defined": return value.isDefined
        case "undefined": return !value.isDefined
        case "none": if case .none = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "number": return value.numericValue != nil
        case "string": return value.stringValue != nil
        case "mapping": if case .object = value { return true } else { return false }
        case "iterable":
            switch value {
            case .array, .tuple, .object, .string, .markup, .undefined: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .array, .tuple, .object, .string, .markup: return true
            default: return false
            }
        case "callable": if case .function = value { return true } else { return false }
        case "sameas": return try isSame(value, argument())
        case "escaped": return false
        case "odd", "even", "divisibleby":
            guard let number = value.integerValue else { throw .typeError("the '\(name)' test needs an integer") }
            if name == "odd" { return number % 2 != 0 }
            if name == "even" { return number % 2 == 0 }
            guard let divisor = try argument().integerValue, divisor != 0 else {
                throw .typeError("divisibleby needs a non-zero integer")
            }
            return number % divisor == 0
        case "lower": return value.stringValue.map { PythonString.hasOnlyCase($0, upper: false) } ?? false
        case "upper": return value.stringValue.map { PythonString.hasOnlyCase($0, upper: true) } ?? false
        case "in": return try Operators.contains(argument(), value)
        case "eq", "equalto", "==": return try value == argument()
        case "ne", "!=": return try value != argument()
        case "lt", "lessthan", "<": return try Operators.order(value, argument(), .less) < 0
        case "le", "<=": return try Operators.order(value, argument(), .lessOrEqual) <= 0
        case "gt", "greaterthan", ">": return try Operators.order(value, argument(), .greater) > 0
        case "ge", ">=": return try Operators.order(value, argument(), .greaterOrEqual) >= 0
        // `'upper' is filter`: is the value the name of a filter (or test)?
        case "filter": return value.stringValue.map(FilterLibrary.supports) ?? false
        case "test": return value.stringValue.map(supports) ?? false
        default: throw .unsupported("the '\(name)' test", line: nil)
        }
    }

    /// Python `is`: identity. Singletons (None, True, False) and equal small values match;
    /// containers never do, since the template cannot hold two references to one literal.
    private static func isSame(_ value: TemplateValue, _ other: TemplateValue) -> Bool {
        switch (value, other) {
        case (.none, .none), (.undefined, .undefined): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.function(let a), .function(let b)): return a === b
        default: return false
        }
    }
}
