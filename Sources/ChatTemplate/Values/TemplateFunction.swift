// Callables inside templates: globals (`raise_exception`, `namespace`, `range`), macros, and
// bound methods such as `content.startswith`. One shape for all of them keeps calls uniform.

/// The arguments of a call: positional ones, then `name=value` ones in source order.
public struct TemplateArguments: Sendable {
    public var positional: [TemplateValue]
    public var keyword: [(name: String, value: TemplateValue)]

    public init(_ positional: [TemplateValue] = [], keyword: [(name: String, value: TemplateValue)] = []) {
        self.positional = positional
        self.keyword = keyword
    }

    /// Binds arguments to a Python-style parameter list: by position first, then by name,
    /// then from `defaults`. Unknown or doubled names are errors, as they are in Python.
    func bind(
        _ parameters: [String], defaults: [String: TemplateValue] = [:], callee: String
    ) throws(ChatTemplateError) -> [String: TemplateValue] {
        guard positional.count <= parameters.count else {
            throw .typeError("\(callee)() takes at most \(parameters.count) arguments (\(positional.count) given)")
        }
        var bound: [String: TemplateValue] = [:]
        for (index, value) in positional.enumerated() { bound[parameters[index]] = value }
        for (name, value) in keyword {
            guard parameters.contains(name) else {
                throw .typeError("\(callee)() got an unexpected keyword argument '\(name)'")
            }
            guard bound[name] == nil else {
                throw .typeError("\(callee)() got multiple values for argument '\(name)'")
            }
            bound[name] = value
        }
        for (name, value) in defaults where bound[name] == nil { bound[name] = value }
        return bound
    }
}

/// A callable value. A class so that two references to one macro compare as the same object.
public final class TemplateFunction: @unchecked Sendable {
    // Unchecked: macros and bound methods capture render state and live only inside one
    // render call; the global functions a template starts with capture nothing mutable.
    public let name: String
    let body: (TemplateArguments) throws(ChatTemplateError) -> TemplateValue

    init(name: String, body: @escaping (TemplateArguments) throws(ChatTemplateError) -> TemplateValue) {
        self.name = name
        self.body = body
    }

    func call(_ arguments: TemplateArguments) throws(ChatTemplateError) -> TemplateValue {
        try body(arguments)
    }
}
