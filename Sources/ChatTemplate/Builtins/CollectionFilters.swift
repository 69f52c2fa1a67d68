// Filters over sequences and dicts: first/last, join, items, map, select(attr), sort, ...

enum CollectionFilters {
    static func apply(_ name: String, to value: TemplateValue, arguments: TemplateArguments) throws(ChatTemplateError) -> TemplateValue {
        func bind(_ parameters: [String], _ defaults: [String: TemplateValue] = [:]) throws(ChatTemplateError) -> [String: TemplateValue] {
            try arguments.bind(parameters, defaults: defaults, callee: name)
        }
        switch name {
        case "first":
            return try ValueAccess.iterate(value).first ?? .undefined("first item of an empty sequence")
        case "last":
            return try ValueAccess.iterate(value).last ?? .undefined("last item of an empty sequence")
        case "list":
            return .array(try ValueAccess.iterate(value))
        case "reverse":
            if case .string(let text) = value { return .string(String(scalars: text.scalars.reversed())) }
            if case .markup(let text) = value { return .markup(String(scalars: text.scalars.reversed())) }
            return .array(try ValueAccess.iterate(value).reversed())
        case "items":
            switch value {
            case .undefined: return .array([])
            case .object(let object): return .array(object.pairs.map { .tuple([.string($0.key), $0.value]) })
            default: throw .typeError("items filter needs a mapping, not \(value.pythonTypeName)")
            }
        case "join":
            let bound = try bind(["d", "attribute"], ["d": .string("")])
            var pieces: [String] = []
            for item in try project(try ValueAccess.iterate(value), bound["attribute"]) {
                pieces.append(try item.pythonString())
            }
            return .string(pieces.joined(separator: try bound["d"]!.pythonString()))
        // jinja2 walks the input only `if value:`, so none and other falsy inputs give nothing.
        case "map":
            return .array(value.isTruthy ? try map(try ValueAccess.iterate(value), arguments) : [])
        case "select", "reject":
            guard value.isTruthy else { return .array([]) }
            return .array(try select(try ValueAccess.iterate(value), arguments, keep: name == "select", byAttribute: false))
        case "selectattr", "rejectattr":
            guard value.isTruthy else { return .array([]) }
            return .array(try select(try ValueAccess.iterate(value), arguments, keep: name == "selectattr", byAttribute: true))
        case "sort":
            let bound = try bind(["reverse", "case_sensitive", "attribute"], ["reverse": .bool(false), "case_sensitive": .bool(false)])
            let keyed = try keyedItems(try ValueAccess.iterate(value), bound)
            return .array(try stableSort(keyed, descending: bound["reverse"]!.isTruthy).map(\.item))
        case "unique":
            let bound = try bind(["case_sensitive", "attribute"], ["case_sensitive": .bool(false)])
            var seen: [TemplateValue] = []
            var result: [TemplateValue] = []
            for entry in try keyedItems(try ValueAccess.iterate(value), bound) where !seen.contains(entry.key) {
                seen.append(entry.key)
                result.append(entry.item)
            }
            return .array(result)
        case "min", "max":
            let bound = try bind(["case_sensitive", "attribute"], ["case_sensitive": .bool(false)])
            let sorted = try stableSort(try keyedItems(try ValueAccess.iterate(value), bound), descending: name == "max")
            return sorted.first?.item ?? .undefined("\(name) of an empty sequence")
        case "sum":
            let bound = try bind(["attribute", "start"], ["start": .int(0)])
            var total = bound["start"]!
            for item in try project(try ValueAccess.iterate(value), bound["attribute"]) {
                total = try Operators.apply(.add, total, item)
            }
            return total
        case "dictsort":
            let bound = try bind(["case_sensitive", "by", "reverse"], ["case_sensitive": .bool(false), "by": .string("key"), "reverse": .bool(false)])
            guard case .object(let object) = value else { throw .typeError("dictsort needs a mapping") }
            let byValue = bound["by"]?.stringValue == "value"
            let keyed = object.pairs.map { pair in
                (item: TemplateValue.tuple([.string(pair.key), pair.value]),
                 key: foldCase(byValue ? pair.value : .string(pair.key), bound["case_sensitive"]!.isTruthy))
            }
            return .array(try stableSort(keyed, descending: bound["reverse"]!.isTruthy).map(\.item))
        default:
            throw .unsupported("the '\(name)' filter", line: nil)
        }
    }

    /// jinja2's attribute getter: "a.b.0" walks keys (item lookup first), digits as indices.
    static func lookup(_ path: String, in value: TemplateValue) throws(ChatTemplateError) -> TemplateValue {
        var current = value
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            let key: TemplateValue = Int(part).map { .int($0) } ?? .string(String(part))
            current = try ValueAccess.item(key, of: current)
        }
        return current
    }

    private static func project(_ items: [TemplateValue], _ attribute: TemplateValue?) throws(ChatTemplateError) -> [TemplateValue] {
        guard let attribute, attribute != TemplateValue.none else { return items }
        let path = try attribute.pythonString()
        var result: [TemplateValue] = []
        for item in items { result.append(try lookup(path, in: item)) }
        return result
    }

    /// `map('filter', args...)` or `map(attribute='x', default=...)`.
    private static func map(_ items: [TemplateValue], _ arguments: TemplateArguments) throws(ChatTemplateError) -> [TemplateValue] {
        var result: [TemplateValue] = []
        if let attribute = arguments.keyword.first(where: { $0.name == "attribute" })?.value {
            let fallback = arguments.keyword.first { $0.name == "default" }?.value
            for item in items {
                let found = try lookup(try attribute.pythonString(), in: item)
                result.append(!found.isDefined && fallback != nil ? fallback! : found)
            }
            return result
        }
        guard let filterName = arguments.positional.first?.stringValue else {
            throw .typeError("map needs a filter name or attribute=")
        }
        guard FilterLibrary.supports(filterName) else { throw .unsupported("the '\(filterName)' filter", line: nil) }
        let rest = TemplateArguments(Array(arguments.positional.dropFirst()), keyword: arguments.keyword)
        for item in items { result.append(try FilterLibrary.apply(filterName, to: item, arguments: rest)) }
        return result
    }

    /// select/reject (test on the item) and selectattr/rejectattr (test on one attribute).
    private static func select(
        _ items: [TemplateValue], _ arguments: TemplateArguments, keep: Bool, byAttribute: Bool
    ) throws(ChatTemplateError) -> [TemplateValue] {
        var positional = arguments.positional[...]
        var attribute: String?
        if byAttribute {
            guard let first = positional.popFirst() else { throw .typeError("selectattr needs an attribute name") }
            attribute = try first.pythonString()
        }
        let testName = try positional.popFirst()?.pythonString()
        if let testName, !TestLibrary.supports(testName) { throw .unsupported("the '\(testName)' test", line: nil) }
        let testArguments = TemplateArguments(Array(positional), keyword: arguments.keyword)
        var result: [TemplateValue] = []
        for item in items {
            let subject = try attribute.map { (path) throws(ChatTemplateError) in try lookup(path, in: item) } ?? item
            let passed = try testName.map { (test) throws(ChatTemplateError) in
                try TestLibrary.apply(test, to: subject, arguments: testArguments)
            } ?? subject.isTruthy
            if passed == keep { result.append(item) }
        }
        return result
    }

    /// Items paired with their sort key: the attribute if given, lower-cased unless case-sensitive.
    private static func keyedItems(
        _ items: [TemplateValue], _ bound: [String: TemplateValue]
    ) throws(ChatTemplateError) -> [(item: TemplateValue, key: TemplateValue)] {
        let caseSensitive = bound["case_sensitive"]?.isTruthy ?? false
        let keys = try project(items, bound["attribute"])
        return zip(items, keys).map { ($0, foldCase($1, caseSensitive)) }
    }

    private static func foldCase(_ value: TemplateValue, _ caseSensitive: Bool) -> TemplateValue {
        guard !caseSensitive, case .string(let text) = value else { return value }
        return .string(text.lowercased())
    }

    /// A stable merge sort by key (Python's sort is stable; Swift's `sort` promises nothing
    /// and cannot throw typed errors from its comparator).
    private static func stableSort(
        _ items: [(item: TemplateValue, key: TemplateValue)], descending: Bool = false
    ) throws(ChatTemplateError) -> [(item: TemplateValue, key: TemplateValue)] {
        guard items.count > 1 else { return items }
        let middle = items.count / 2
        let left = try stableSort(Array(items[..<middle]), descending: descending)
        let right = try stableSort(Array(items[middle...]), descending: descending)
        var merged: [(item: TemplateValue, key: TemplateValue)] = []
        var i = 0, j = 0
        while i < left.count, j < right.count {
            let comparison = try Operators.order(right[j].key, left[i].key, .less)
            // Take from the right only when strictly before the left, which keeps ties stable.
            if descending ? comparison > 0 : comparison < 0 {
                merged.append(right[j]); j += 1
            } else {
                merged.append(left[i]); i += 1
            }
        }
        return merged + left[i...] + right[j...]
    }
}
