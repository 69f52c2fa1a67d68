// The global functions a template can call: jinja2's own (`range`, `namespace`, `dict`) and
// the two transformers adds (`raise_exception`, `strftime_now`).

import Foundation

enum Globals {
    static func value(named name: String, environment: RenderEnvironment) -> TemplateValue? {
        switch name {
        case "raise_exception":
            return function(name) { (arguments) throws(ChatTemplateError) in
                let message = try arguments.bind(["message"], callee: name)["message"] ?? .string("")
                throw .raised(try message.pythonString())
            }
        case "strftime_now":
            return function(name) { (arguments) throws(ChatTemplateError) in
                guard let format = try arguments.bind(["format"], callee: name)["format"]?.stringValue else {
                    throw .typeError("strftime_now() needs a format string")
                }
                return .string(try Strftime.format(environment.now(), format, timeZone: environment.timeZone))
            }
        case "namespace":
            return function(name) { (arguments) throws(ChatTemplateError) in
                .namespace(TemplateNamespace(try keywordObject(arguments, callee: name)))
            }
        case "dict":
            return function(name) { (arguments) throws(ChatTemplateError) in
                .object(try keywordObject(arguments, callee: name))
            }
        case "range":
            return function(name) { (arguments) throws(ChatTemplateError) in try range(arguments) }
        default:
            return nil
        }
    }

    private static func function(
        _ name: String, _ body: @escaping (TemplateArguments) throws(ChatTemplateError) -> TemplateValue
    ) -> TemplateValue {
        .function(TemplateFunction(name: name, body: body))
    }

    /// `namespace(a=1)` / `dict(a=1)`, optionally starting from one positional dict or
    /// list of key/value pairs, as Python's dict() does.
    private static func keywordObject(_ arguments: TemplateArguments, callee: String) throws(ChatTemplateError) -> TemplateObject {
        var object = TemplateObject()
        switch arguments.positional.first {
        case nil: break
        case .object(let initial)?: object = initial
        case let pairs? where pairs.elements != nil:
            for pair in pairs.elements! {
                guard let items = pair.elements, items.count == 2 else {
                    throw .typeError("\(callee)() needs key/value pairs of length 2")
                }
                guard let key = items[0].stringValue else {
                    throw .unsupported("dictionary keys that are not strings", line: nil)
                }
                object[key] = items[1]
            }
        case let other?:
            throw .typeError("'\(other.pythonTypeName)' object is not iterable")
        }
        guard arguments.positional.count <= 1 else { throw .typeError("\(callee)() takes at most 1 positional argument") }
        for (name, value) in arguments.keyword { object[name] = value }
        return object
    }

    private static func range(_ arguments: TemplateArguments) throws(ChatTemplateError) -> TemplateValue {
        guard arguments.keyword.isEmpty else { throw .typeError("range() takes no keyword arguments") }
        var bounds: [Int] = []
        for value in arguments.positional {
            guard let integer = value.integerValue else {
                throw .typeError("'\(value.pythonTypeName)' object cannot be interpreted as an integer")
            }
            bounds.append(integer)
        }
        let (start, stop, step): (Int, Int, Int)
        switch bounds.count {
        case 1: (start, stop, step) = (0, bounds[0], 1)
        case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
        case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
        default: throw .typeError("range expected 1 to 3 arguments, got \(bounds.count)")
        }
        guard step != 0 else { throw .typeError("range() arg 3 must not be zero") }
        let values = Array(stride(from: start, to: stop, by: step))
        // jinja2's sandbox caps ranges at 100,000 items (MAX_RANGE).
        guard values.count <= 100_000 else { throw .typeError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).") }
        return .array(values.map { .int($0) })
    }
}
