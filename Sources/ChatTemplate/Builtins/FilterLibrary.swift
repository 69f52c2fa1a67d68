// jinja2's filters (`x | trim`, `tools | tojson(indent=4)`, `messages | selectattr(...)`),
// with the signatures and edge cases of jinja2 3.1 and transformers' `tojson` override.
// Filters over collections live in CollectionFilters.swift.

enum FilterLibrary {
    private static let names: Set<String> = [
        "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
        "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
        "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum",
        "title", "tojson", "trim", "unique", "upper", "wordcount",
    ]

    static func supports(_ name: String) -> Bool { names.contains(name) }

    static func apply(_ name: String, to value: TemplateValue, arguments: TemplateArguments) throws(ChatTemplateError) -> TemplateValue {
        func bind(_ parameters: [String], _ defaults: [String: TemplateValue] = [:]) throws(ChatTemplateError) -> [String: TemplateValue] {
            try arguments.bind(parameters, defaults: defaults, callee: name)
        }
        switch name {
        case "trim":
            let chars = try bind(["chars"])["chars"]
            if case .markup = value, let chars = chars?.stringValue {
                // Markup.strip escapes its argument, like the other wrapped methods.
                return .markup(PythonString.strip(try value.pythonString(), chars: Markup.escape(chars), leading: true, trailing: true))
            }
            return keepingMarkup(value, PythonString.strip(try value.pythonString(), chars: chars?.stringValue, leading: true, trailing: true))
        case "upper": return keepingMarkup(value, try value.pythonString().uppercased())
        case "lower": return keepingMarkup(value, try value.pythonString().lowercased())
        case "capitalize": return keepingMarkup(value, PythonString.capitalize(try value.pythonString()))
        case "title": return .string(jinjaTitle(try value.pythonString()))
        case "string": return keepingMarkup(value, try value.pythonString())
        case "safe":
            if case .markup = value { return value }
            return .markup(try value.pythonString())
        case "e", "escape": return try Markup.escaped(value)
        case "replace":
            let bound = try bind(["old", "new", "count"], ["count": .none])
            let text = try value.pythonString()
            return .string(PythonString.replace(
                text, try bound["old"]?.pythonString() ?? "", try bound["new"]?.pythonString() ?? "",
                count: bound["count"]?.integerValue ?? -1))
        case "default", "d":
            let bound = try bind(["default_value", "boolean"], ["default_value": .string(""), "boolean": .bool(false)])
            let useDefault = !value.isDefined || (bound["boolean"]!.isTruthy && !value.isTruthy)
            return useDefault ? bound["default_value"]! : value
        case "length", "count": return .int(try ValueAccess.length(of: value))
        case "tojson":
            let bound = try bind(["ensure_ascii", "indent", "separators", "sort_keys"])
            return .string(try value.jsonString(try jsonOptions(bound)))
        case "indent":
            let bound = try bind(["width", "first", "blank"], ["width": .int(4), "first": .bool(false), "blank": .bool(false)])
            return keepingMarkup(value, try indent(try value.pythonString(), bound))
        case "int":
            let bound = try bind(["default", "base"], ["default": .int(0), "base": .int(10)])
            return Conversions.toInt(value, default: bound["default"]!, base: bound["base"]?.integerValue ?? 10)
        case "float":
            return Conversions.toFloat(value, default: try bind(["default"], ["default": .double(0)])["default"]!)
        case "abs":
            switch value {
            case .double(let number): return .double(number.magnitude)
            default:
                guard let integer = value.integerValue else { throw .typeError("bad operand type for abs(): '\(value.pythonTypeName)'") }
                return .int(abs(integer))
            }
        case "round":
            let bound = try bind(["precision", "method"], ["precision": .int(0), "method": .string("common")])
            return try Conversions.round(value, precision: bound["precision"]?.integerValue ?? 0,
                                         method: bound["method"]?.stringValue ?? "common")
        case "wordcount":
            let words = try value.pythonString().unicodeScalars.split { !($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_") }
            return .int(words.count)
        case "attr":
            // Python getattr only: unlike `x.name`, no fallback to dict keys.
            let attribute = try bind(["name"])["name"]?.pythonString() ?? ""
            if case .namespace(let namespace) = value { return namespace.attributes[attribute] ?? .undefined(attribute) }
            return try Methods.bound(attribute, on: value) ?? .undefined(attribute)
        default:
            return try CollectionFilters.apply(name, to: value, arguments: arguments)
        }
    }

    /// transformers' tojson: `json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)`.
    private static func jsonOptions(_ bound: [String: TemplateValue]) throws(ChatTemplateError) -> JSONDumpOptions {
        var indent: String?
        switch bound["indent"] {
        case nil, .none?: indent = nil
        case .string(let text)?: indent = text
        case let value?:
            guard let width = value.integerValue else { throw .typeError("tojson indent must be an int or a string") }
            indent = String(repeating: " ", count: max(width, 0))
        }
        var separators: (String, String)?
        if let pair = bound["separators"]?.elements {
            guard pair.count == 2, let item = pair[0].stringValue, let key = pair[1].stringValue else {
                throw .typeError("tojson separators must be two strings")
            }
            separators = (item, key)
        }
        return JSONDumpOptions(
            indent: indent, separators: separators,
            ensureASCII: bound["ensure_ascii"]?.isTruthy ?? false, sortKeys: bound["sort_keys"]?.isTruthy ?? false)
    }

    /// jinja2's `indent`: indents every line but the first (unless `first`), skipping blank
    /// lines (unless `blank`).
    private static func indent(_ text: String, _ bound: [String: TemplateValue]) throws(ChatTemplateError) -> String {
        let indentation: String
        if case .string(let custom)? = bound["width"] {
            indentation = custom
        } else {
            indentation = String(repeating: " ", count: bound["width"]?.integerValue ?? 4)
        }
        // jinja2 appends a newline before splitting so that a trailing newline survives.
        var lines = PythonString.splitLines(text + "\n")
        var result: String
        if bound["blank"]!.isTruthy {
            result = lines.joined(separator: "\n" + indentation)
        } else {
            result = lines.removeFirst()
            if !lines.isEmpty {
                result += "\n" + lines.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
            }
        }
        return bound["first"]!.isTruthy ? indentation + result : result
    }

    /// jinja2's `title`: words start after runs of spaces, hyphens and opening brackets.
    private static func jinjaTitle(_ text: String) -> String {
        let separators: Set<Unicode.Scalar> = ["-", "(", "{", "[", "<"]
        var result = ""
        var atWordStart = true
        for scalar in text.unicodeScalars {
            if PythonString.isWhitespace(scalar) || separators.contains(scalar) {
                result.unicodeScalars.append(scalar)
                atWordStart = true
            } else {
                result += atWordStart ? scalar.properties.titlecaseMapping : String(scalar).lowercased()
                atWordStart = false
            }
        }
        return result
    }

    /// jinja2's string filters call soft_str, which keeps Markup as Markup.
    private static func keepingMarkup(_ input: TemplateValue, _ result: String) -> TemplateValue {
        if case .markup = input { return .markup(result) }
        return .string(result)
    }
}
