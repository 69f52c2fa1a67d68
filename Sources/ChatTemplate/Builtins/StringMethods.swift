// Python str methods, with Python's argument names and code-point semantics.

enum StringMethods {
    typealias Method = (TemplateArguments) throws(ChatTemplateError) -> TemplateValue

    static func method(_ name: String, on text: String) -> Method? {
        switch name {
        case "strip", "lstrip", "rstrip":
            return { (arguments) throws(ChatTemplateError) in
                let chars = try optionalString(arguments.bind(["chars"], callee: name)["chars"], name)
                return .string(PythonString.strip(text, chars: chars, leading: name != "rstrip", trailing: name != "lstrip"))
            }
        case "split", "rsplit":
            return { (arguments) throws(ChatTemplateError) in
                let bound = try arguments.bind(["sep", "maxsplit"], callee: name)
                let separator = try optionalString(bound["sep"], name)
                let maxSplit = bound["maxsplit"]?.integerValue ?? -1
                let pieces = name == "split"
                    ? try PythonString.split(text, separator: separator, maxSplit: maxSplit)
                    : try PythonString.rsplit(text, separator: separator, maxSplit: maxSplit)
                return .array(pieces.map { .string($0) })
            }
        case "splitlines":
            return { (arguments) throws(ChatTemplateError) in
                let keepEnds = try arguments.bind(["keepends"], callee: name)["keepends"]?.isTruthy ?? false
                return .array(PythonString.splitLines(text, keepEnds: keepEnds).map { .string($0) })
            }
        case "startswith", "endswith":
            return { (arguments) throws(ChatTemplateError) in
                let bound = try arguments.bind(["prefix", "start", "end"], callee: name)
                let candidates: [TemplateValue]
                switch bound["prefix"] {
                case .tuple(let values)?, .array(let values)?: candidates = values
                case let value?: candidates = [value]
                case nil: throw .typeError("\(name)() takes at least 1 argument (0 given)")
                }
                let indices = try ValueAccess.sliceIndices(
                    count: text.unicodeScalars.count, start: bound["start"]?.integerValue,
                    stop: bound["end"]?.integerValue, step: 1)
                let window = indices.isEmpty ? [] : Array(text.scalars[indices[0]...indices[indices.count - 1]])
                for candidate in candidates {
                    guard let affix = candidate.stringValue else {
                        throw .typeError("\(name) first arg must be str or a tuple of str, not \(candidate.pythonTypeName)")
                    }
                    let affixScalars = affix.scalars
                    let matched = name == "startswith" ? window.starts(with: affixScalars)
                        : window.reversed().starts(with: affixScalars.reversed())
                    if matched { return .bool(true) }
                }
                return .bool(false)
            }
        case "upper": return { (_) throws(ChatTemplateError) in .string(text.uppercased()) }
        case "lower", "casefold": return { (_) throws(ChatTemplateError) in .string(text.lowercased()) }
        case "title": return { (_) throws(ChatTemplateError) in .string(PythonString.title(text)) }
        case "capitalize": return { (_) throws(ChatTemplateError) in .string(PythonString.capitalize(text)) }
        case "replace":
            return { (arguments) throws(ChatTemplateError) in
                let bound = try arguments.bind(["old", "new", "count"], callee: name)
                guard let old = bound["old"]?.stringValue, let new = bound["new"]?.stringValue else {
                    throw .typeError("replace() arguments must be str")
                }
                return .string(PythonString.replace(text, old, new, count: bound["count"]?.integerValue ?? -1))
            }
        case "find", "rfind", "index", "rindex", "count":
            return { (arguments) throws(ChatTemplateError) in
                guard let needle = try arguments.bind(["sub"], callee: name)["sub"]?.stringValue else {
                    throw .typeError("\(name)() argument must be str")
                }
                return try search(name, needle, in: text)
            }
        case "join":
            return { (arguments) throws(ChatTemplateError) in
                let items = try ValueAccess.iterate(try arguments.bind(["iterable"], callee: name)["iterable"] ?? TemplateValue.none)
                var pieces: [String] = []
                for item in items {
                    guard let piece = item.stringValue else {
                        throw .typeError("sequence item \(pieces.count): expected str instance, \(item.pythonTypeName) found")
                    }
                    pieces.append(piece)
                }
                return .string(pieces.joined(separator: text))
            }
        case "removeprefix", "removesuffix":
            return { (arguments) throws(ChatTemplateError) in
                guard let affix = try arguments.bind(["affix"], callee: name)["affix"]?.stringValue else {
                    throw .typeError("\(name)() argument must be str")
                }
                let scalars = text.scalars, affixScalars = affix.scalars
                if name == "removeprefix", scalars.starts(with: affixScalars) {
                    return .string(String(scalars: scalars.dropFirst(affixScalars.count)))
                }
                if name == "removesuffix", !affixScalars.isEmpty, scalars.reversed().starts(with: affixScalars.reversed()) {
                    return .string(String(scalars: scalars.dropLast(affixScalars.count)))
                }
                return .string(text)
            }
        case "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace", "islower", "isupper":
            return { (_) throws(ChatTemplateError) in .bool(classify(name, text)) }
        case "format":
            return { (arguments) throws(ChatTemplateError) in .string(try StringFormat.format(text, arguments)) }
        default:
            return nil
        }
    }

    private static func optionalString(_ value: TemplateValue?, _ method: String) throws(ChatTemplateError) -> String? {
        switch value {
        case nil, .none?: return nil
        case .string(let text)?, .markup(let text)?: return text
        case let other?: throw .typeError("\(method) arg must be None or str, not \(other.pythonTypeName)")
        }
    }

    private static func search(_ method: String, _ needle: String, in text: String) throws(ChatTemplateError) -> TemplateValue {
        if method == "count" { return .int(PythonString.count(text, needle)) }
        let hay = text.scalars, sub = needle.scalars
        var found = -1
        if method.hasPrefix("r") {
            var index = hay.count - sub.count
            while index >= 0 {
                if hay[index..<index + sub.count].elementsEqual(sub) { found = index; break }
                index -= 1
            }
        } else {
            found = PythonString.find(hay, sub)
        }
        if found < 0, method.hasSuffix("index") { throw .typeError("substring not found") }
        return .int(found)
    }

    private static func classify(_ method: String, _ text: String) -> Bool {
        let scalars = text.unicodeScalars
        switch method {
        case "islower": return PythonString.hasOnlyCase(text, upper: false)
        case "isupper": return PythonString.hasOnlyCase(text, upper: true)
        default: break
        }
        guard !scalars.isEmpty else { return false }
        return scalars.allSatisfy { scalar in
            let properties = scalar.properties
            switch method {
            case "isdigit", "isdecimal": return properties.numericType == .decimal || properties.numericType == .digit
            case "isnumeric": return properties.numericType != nil
            case "isalpha": return properties.isAlphabetic
            case "isalnum": return properties.isAlphabetic || properties.numericType != nil
            default: return PythonString.isWhitespace(scalar)
            }
        }
    }
}
