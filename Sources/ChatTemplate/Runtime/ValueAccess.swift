// Reading inside values: `a.b`, `a['b']`, `a[1:-1]`, iteration and length, with the lookup
// order of jinja2's sandbox. `x.name` tries Python attributes (methods) before dict keys;
// `x['name']` tries keys before attributes; a miss is undefined, not an error, unless the
// value being read is itself undefined.

enum ValueAccess {
    static func attribute(_ name: String, of value: TemplateValue) throws(ChatTemplateError) -> TemplateValue {
        switch value {
        case .undefined(let missing):
            throw .undefined("'\(missing)' is undefined (reading '.\(name)')")
        case .namespace(let namespace):
            return namespace.attributes[name] ?? .undefined(name)
        case .object(let object):
            if let method = try Methods.bound(name, on: value) { return method }
            return object[name] ?? .undefined(name)
        case .function(let function) where function.name == "dict":
            // Python quirk that real templates use (`dict.from_keys(pairs)`): jinja2 falls back
            // to `dict['from_keys']`, a generic alias that calls dict() itself.
            return value
        default:
            return try Methods.bound(name, on: value) ?? .undefined(name)
        }
    }

    static func item(_ key: TemplateValue, of value: TemplateValue) throws(ChatTemplateError) -> TemplateValue {
        switch (value, key.unmarked) {
        case (.undefined(let missing), _):
            throw .undefined("'\(missing)' is undefined (reading an item)")
        case (.object(let object), .string(let name)):
            if let found = object[name] { return found }
            return try Methods.bound(name, on: value) ?? .undefined(name)
        case (.namespace(let namespace), .string(let name)):
            return namespace.attributes[name] ?? .undefined(name)
        case (.array(let values), _), (.tuple(let values), _):
            guard let index = key.integerValue else { return .undefined("list index") }
            return resolve(index, count: values.count).map { values[$0] } ?? .undefined("list index \(index)")
        case (.string(let text), _), (.markup(let text), _):
            guard let index = key.integerValue else { return .undefined("string index") }
            let scalars = text.scalars
            guard let found = resolve(index, count: scalars.count) else { return .undefined("string index \(index)") }
            let character = String(scalars[found])
            if case .markup = value { return .markup(character) }  // Markup.__getitem__ stays Markup
            return .string(character)
        case (_, .string(let name)):
            return try Methods.bound(name, on: value) ?? .undefined(name)
        default:
            return .undefined("item of \(value.pythonTypeName)")
        }
    }

    /// A Python index (negative counts from the end) as an array offset, if in range.
    private static func resolve(_ index: Int, count: Int) -> Int? {
        let resolved = index < 0 ? index + count : index
        return (0..<count).contains(resolved) ? resolved : nil
    }

    static func slice(
        _ value: TemplateValue, start: TemplateValue?, stop: TemplateValue?, step: TemplateValue?
    ) throws(ChatTemplateError) -> TemplateValue {
        func bound(_ bound: TemplateValue?) throws(ChatTemplateError) -> Int? {
            switch bound {
            case nil, .none?: return nil
            case let value?:
                guard let integer = value.integerValue else {
                    throw .typeError("slice indices must be integers or None, not \(value.pythonTypeName)")
                }
                return integer
            }
        }
        let indices = try sliceIndices(count: try length(of: value), start: bound(start), stop: bound(stop), step: bound(step))
        switch value {
        case .array(let values): return .array(indices.map { values[$0] })
        case .tuple(let values): return .tuple(indices.map { values[$0] })
        case .string(let text), .markup(let text):
            let scalars = text.scalars
            let sliced = String(scalars: indices.map { scalars[$0] })
            if case .markup = value { return .markup(sliced) }
            return .string(sliced)
        case .undefined(let missing): throw .undefined("'\(missing)' is undefined (slicing it)")
        default: throw .typeError("'\(value.pythonTypeName)' object is not subscriptable")
        }
    }

    /// The offsets Python's `seq[start:stop:step]` selects, clamped as Python clamps them.
    static func sliceIndices(count: Int, start: Int?, stop: Int?, step: Int?) throws(ChatTemplateError) -> [Int] {
        let step = step ?? 1
        guard step != 0 else { throw .typeError("slice step cannot be zero") }
        func clamp(_ index: Int?, default fallback: Int) -> Int {
            guard var index else { return fallback }
            if index < 0 { index += count }
            return step > 0 ? min(max(index, 0), count) : min(max(index, -1), count - 1)
        }
        let first = clamp(start, default: step > 0 ? 0 : count - 1)
        let end = clamp(stop, default: step > 0 ? count : -1)
        return Array(stride(from: first, to: end, by: step))
    }

    /// The elements a for loop or a filter walks: list items, dict keys, string characters.
    static func iterate(_ value: TemplateValue) throws(ChatTemplateError) -> [TemplateValue] {
        switch value {
        case .array(let values), .tuple(let values): return values
        case .object(let object): return object.keys.map { .string($0) }
        case .string(let text), .markup(let text): return text.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw .typeError("'\(value.pythonTypeName)' object is not iterable")
        }
    }

    /// Python `len()`: characters of a string (code points), items of a list or dict.
    static func length(of value: TemplateValue) throws(ChatTemplateError) -> Int {
        switch value {
        case .array(let values), .tuple(let values): return values.count
        case .object(let object): return object.count
        case .string(let text), .markup(let text): return text.unicodeScalars.count
        case .undefined: return 0
        default: throw .typeError("object of type '\(value.pythonTypeName)' has no len()")
        }
    }
}
