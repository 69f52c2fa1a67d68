// markupsafe's Markup, as far as chat templates can observe it with autoescape off.
// `x|safe` and `x|e` make Markup; `Markup + str` HTML-escapes the str. Some real templates
// write `"Use '"|safe + name + ...` or `(args|tojson|safe) + '\n</parameter>'`, and under
// transformers those plain pieces come out escaped (`&lt;/parameter&gt;`). Matching that
// byte for byte needs the rules below; they follow markupsafe 2/3.

enum Markup {
    /// markupsafe.escape for a plain string.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&#34;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `escape(value)`: Markup stays as it is; anything else is printed and escaped.
    static func escaped(_ value: TemplateValue) throws(ChatTemplateError) -> TemplateValue {
        if case .markup = value { return value }
        return .markup(escape(try value.pythonString()))
    }

    /// `+` and `*` when a Markup is involved, or nil when neither operand is Markup.
    static func arithmetic(
        _ op: BinaryOperator, _ left: TemplateValue, _ right: TemplateValue
    ) throws(ChatTemplateError) -> TemplateValue? {
        switch (op, left, right) {
        case (.add, .markup(let a), .markup(let b)): return .markup(a + b)
        case (.add, .markup(let a), .string(let b)): return .markup(a + escape(b))
        case (.add, .string(let a), .markup(let b)): return .markup(escape(a) + b)
        case (.add, .markup, _), (.add, _, .markup):
            throw .typeError("unsupported operand type(s) for +: '\(left.pythonTypeName)' and '\(right.pythonTypeName)'")
        case (.multiply, .markup(let text), _), (.multiply, _, .markup(let text)):
            guard let times = (left.stringValue == nil ? left : right).integerValue else { return nil }
            return .markup(String(repeating: text, count: max(times, 0)))
        case (.modulo, .markup, _):
            throw .unsupported("'%' formatting of a Markup string", line: nil)
        default:
            return nil
        }
    }

    /// Markup's own methods: the str methods that return strings give Markup back, and
    /// those markupsafe wraps escape their string arguments first.
    static func method(_ name: String, on text: String) -> StringMethods.Method? {
        let escapesArguments: Set<String> = ["capitalize", "title", "lower", "upper", "replace", "lstrip", "rstrip", "strip"]
        let splits: Set<String> = ["split", "rsplit", "splitlines"]
        switch name {
        case "join":
            return { (arguments) throws(ChatTemplateError) in
                let items = try ValueAccess.iterate(try arguments.bind(["iterable"], callee: name)["iterable"] ?? TemplateValue.none)
                var pieces: [String] = []
                for item in items { pieces.append(try escaped(item).pythonString()) }
                return .markup(pieces.joined(separator: text))
            }
        case "format":
            return { (_) throws(ChatTemplateError) in throw .unsupported("Markup.format()", line: nil) }
        default:
            break
        }
        guard let plain = StringMethods.method(name, on: text) else { return nil }
        if escapesArguments.contains(name) {
            return { (arguments) throws(ChatTemplateError) in
                var escapedArguments = arguments
                escapedArguments.positional = try arguments.positional.map { (value) throws(ChatTemplateError) in
                    value.stringValue == nil ? value : try escaped(value).unmarked
                }
                return marked(try plain(escapedArguments))
            }
        }
        if splits.contains(name) {
            return { (arguments) throws(ChatTemplateError) in marked(try plain(arguments)) }
        }
        return plain
    }

    /// Re-marks string results (and lists of them) as Markup.
    static func marked(_ value: TemplateValue) -> TemplateValue {
        switch value {
        case .string(let text): .markup(text)
        case .array(let values): .array(values.map(marked))
        default: value
        }
    }
}
