// The values a chat template computes with. They mirror the Python objects that jinja2 sees
// when transformers renders a template, so that truthiness, equality and printing come out
// byte-identical: JSON-like data, plus the few runtime objects templates create (namespaces,
// functions such as macros and bound string methods).

/// A value inside a template: what `messages`, `tools` and every expression evaluate to.
public enum TemplateValue: Sendable {
    /// A name or key that does not exist. jinja2's default `Undefined`: prints as "",
    /// is falsy and iterates as empty, but accessing an attribute of it is an error.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// A string marked safe by `|safe` or `|escape` (markupsafe's Markup). Prints like a
    /// string, but `+` HTML-escapes the plain string on the other side (Markup.swift).
    case markup(String)
    case array([TemplateValue])
    /// A Python tuple: `(a, b)` literals and the pairs `dict.items()` yields. It behaves like
    /// a list but prints as `('a', 1)` and never equals a list.
    case tuple([TemplateValue])
    case object(TemplateObject)
    /// A mutable attribute bag made by `namespace()`, shared by reference like in Python.
    case namespace(TemplateNamespace)
    /// Something callable: a global such as `raise_exception`, a macro, a bound method.
    case function(TemplateFunction)
}

extension TemplateValue {
    /// Python truthiness: empty strings, containers, zero and none are false.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .double(let value): value != 0
        case .string(let value), .markup(let value): !value.isEmpty
        case .array(let values), .tuple(let values): !values.isEmpty
        case .object(let object): !object.isEmpty
        case .namespace, .function: true
        }
    }

    public var isDefined: Bool {
        if case .undefined = self { return false }
        return true
    }

    /// The Python type name, used in error messages the way Python phrases them.
    var pythonTypeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .markup: "Markup"
        case .array: "list"
        case .tuple: "tuple"
        case .object: "dict"
        case .namespace: "Namespace"
        case .function: "function"
        }
    }

    /// The string inside, if this is a string (plain or marked safe).
    public var stringValue: String? {
        switch self {
        case .string(let value), .markup(let value): value
        default: nil
        }
    }

    /// Markup as a plain string: for the operations where Python's Markup acts as a str.
    var unmarked: TemplateValue {
        if case .markup(let text) = self { return .string(text) }
        return self
    }

    /// The elements of a list or tuple.
    var elements: [TemplateValue]? {
        switch self {
        case .array(let values), .tuple(let values): values
        default: nil
        }
    }

    /// Numbers as Python sees them: bool is an int subclass, so `True + 1 == 2`.
    var numericValue: Double? {
        switch self {
        case .bool(let value): value ? 1 : 0
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// An integer view that includes bools, for indexing and int arithmetic.
    var integerValue: Int? {
        switch self {
        case .bool(let value): value ? 1 : 0
        case .int(let value): value
        default: nil
        }
    }
}

extension TemplateValue: Equatable {
    /// Python `==`: numbers compare by value across int/float/bool, dicts ignore key order,
    /// namespaces and functions compare by identity.
    public static func == (lhs: TemplateValue, rhs: TemplateValue) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)), (.markup(let a), .markup(let b)),
             (.string(let a), .markup(let b)), (.markup(let a), .string(let b)):
            return a == b
        case (.array(let a), .array(let b)), (.tuple(let a), .tuple(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.function(let a), .function(let b)): return a === b
        default:
            if let a = lhs.integerValue, let b = rhs.integerValue { return a == b }
            if let a = lhs.numericValue, let b = rhs.numericValue { return a == b }
            return false
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .none }
    public init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(TemplateObject(elements))
    }
}
