// Python methods that templates call on values: `content.startswith('<think>')`,
// `text.split('</think>')[-1]`, `tool.items()`, `message.get('name')`. A real Python method
// that is not implemented here is an error naming it, never a silent undefined; a name that
// is not a Python method reads as undefined, as in jinja2.

enum Methods {
    private static let pythonStringMethods: Set<String> = [
        "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format",
        "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier",
        "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower",
        "lstrip", "maketrans", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex",
        "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase",
        "title", "translate", "upper", "zfill",
    ]
    private static let pythonDictMethods: Set<String> = [
        "clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values",
    ]
    private static let pythonListMethods: Set<String> = [
        "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort",
    ]

    /// The bound method `name` of `value`, nil when Python has no such method.
    static func bound(_ name: String, on value: TemplateValue) throws(ChatTemplateError) -> TemplateValue? {
        let implementation: ((TemplateArguments) throws(ChatTemplateError) -> TemplateValue)?
        let known: Set<String>
        switch value {
        case .string(let text):
            implementation = StringMethods.method(name, on: text)
            known = pythonStringMethods
        case .markup(let text):
            implementation = Markup.method(name, on: text)
            known = pythonStringMethods
        case .object(let object):
            implementation = dictMethod(name, on: object)
            known = pythonDictMethods
        case .array(let values):
            implementation = listMethod(name, on: values)
            known = pythonListMethods
        case .tuple(let values):
            implementation = listMethod(name, on: values)
            known = ["count", "index"]
        default:
            return nil
        }
        if let implementation {
            return .function(TemplateFunction(name: name, body: implementation))
        }
        guard known.contains(name) else { return nil }
        // jinja2's immutable sandbox also refuses the mutating ones (append, pop, update...).
        throw .unsupported("the Python method \(value.pythonTypeName).\(name)()", line: nil)
    }

    private static func dictMethod(
        _ name: String, on object: TemplateObject
    ) -> ((TemplateArguments) throws(ChatTemplateError) -> TemplateValue)? {
        switch name {
        case "items":
            return { (_) throws(ChatTemplateError) in .array(object.pairs.map { .tuple([.string($0.key), $0.value]) }) }
        case "keys":
            return { (_) throws(ChatTemplateError) in .array(object.keys.map { .string($0) }) }
        case "values":
            return { (_) throws(ChatTemplateError) in .array(object.values) }
        case "get":
            return { (arguments) throws(ChatTemplateError) in
                let bound = try arguments.bind(["key", "default"], defaults: ["default": .none], callee: "get")
                guard case .string(let key)? = bound["key"] else { return bound["default"]! }
                return object[key] ?? bound["default"]!
            }
        case "copy":
            return { (_) throws(ChatTemplateError) in .object(object) }
        default:
            return nil
        }
    }

    private static func listMethod(
        _ name: String, on values: [TemplateValue]
    ) -> ((TemplateArguments) throws(ChatTemplateError) -> TemplateValue)? {
        switch name {
        case "index":
            return { (arguments) throws(ChatTemplateError) in
                let bound = try arguments.bind(["value"], callee: "index")
                guard let found = values.firstIndex(of: bound["value"] ?? TemplateValue.none) else {
                    throw .typeError("value is not in list")
                }
                return .int(found)
            }
        case "count":
            return { (arguments) throws(ChatTemplateError) in
                let bound = try arguments.bind(["value"], callee: "count")
                return .int(values.filter { $0 == bound["value"] }.count)
            }
        case "copy":
            return { (_) throws(ChatTemplateError) in .array(values) }
        default:
            return nil
        }
    }
}
