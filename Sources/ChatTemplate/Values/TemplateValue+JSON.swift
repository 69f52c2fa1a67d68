// JSON in and out. Out: the `tojson` filter as transformers defines it, which is Python's
// `json.dumps` (ensure_ascii off, keys unsorted), so tool schemas print exactly as in Python.
// In: an order-keeping parser, because Foundation's JSONSerialization loses key order, and
// key order shows up in prompts (tool definitions, tool-call arguments).

/// Options of Python's `json.dumps` that `tojson` exposes.
struct JSONDumpOptions {
    var indent: String?
    var itemSeparator: String
    var keySeparator: String
    var ensureASCII = false
    var sortKeys = false

    init(indent: String? = nil, separators: (String, String)? = nil, ensureASCII: Bool = false, sortKeys: Bool = false) {
        self.indent = indent
        // json.dumps drops the space after commas when indenting, since lines end there.
        self.itemSeparator = separators?.0 ?? (indent == nil ? ", " : ",")
        self.keySeparator = separators?.1 ?? ": "
        self.ensureASCII = ensureASCII
        self.sortKeys = sortKeys
    }
}

extension TemplateValue {
    /// Python `json.dumps(self, ...)` with the given options.
    func jsonString(_ options: JSONDumpOptions = JSONDumpOptions()) throws(ChatTemplateError) -> String {
        var output = ""
        try writeJSON(into: &output, options: options, depth: 0)
        return output
    }

    private func writeJSON(into output: inout String, options: JSONDumpOptions, depth: Int) throws(ChatTemplateError) {
        switch self {
        case .none: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value):
            if value.isNaN { output += "NaN" }
            else if value.isInfinite { output += value < 0 ? "-Infinity" : "Infinity" }
            else { output += PythonRepr.float(value) }
        case .string(let text), .markup(let text): output += JSONText.quoted(text, ensureASCII: options.ensureASCII)
        case .array(let values), .tuple(let values):
            try writeContainer(
                values.map { (nil, $0) }, open: "[", close: "]", into: &output, options: options, depth: depth)
        case .object(let object):
            var pairs = object.pairs
            if options.sortKeys { pairs.sort { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) } }
            try writeContainer(
                pairs.map { ($0.key, $0.value) }, open: "{", close: "}", into: &output, options: options, depth: depth)
        case .undefined, .namespace, .function:
            throw .typeError("Object of type \(pythonTypeName) is not JSON serializable")
        }
    }

    private func writeContainer(
        _ items: [(String?, TemplateValue)], open: String, close: String,
        into output: inout String, options: JSONDumpOptions, depth: Int
    ) throws(ChatTemplateError) {
        guard !items.isEmpty else { output += open + close; return }
        output += open
        let innerIndent = options.indent.map { "\n" + String(repeating: $0, count: depth + 1) }
        for (index, (key, value)) in items.enumerated() {
            if index > 0 { output += options.itemSeparator }
            if let innerIndent { output += innerIndent }
            if let key { output += JSONText.quoted(key, ensureASCII: options.ensureASCII) + options.keySeparator }
            try value.writeJSON(into: &output, options: options, depth: depth + 1)
        }
        if let indent = options.indent { output += "\n" + String(repeating: indent, count: depth) }
        output += close
    }

    /// Parses JSON text, keeping object key order. Integers stay ints, as in Python.
    public init(json text: String) throws(ChatTemplateError) {
        var parser = JSONText.Parser(scalars: text.scalars)
        self = try parser.parseDocument()
    }
}

enum JSONText {
    /// A JSON string literal as Python's json module writes it.
    static func quoted(_ text: String, ensureASCII: Bool) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value > 0x7E) {
                    result += unicodeEscape(scalar)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        func hex4(_ value: UInt32) -> String {
            let digits = String(value, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        guard scalar.value > 0xFFFF else { return hex4(scalar.value) }
        let offset = scalar.value - 0x10000
        return hex4(0xD800 + (offset >> 10)) + hex4(0xDC00 + (offset & 0x3FF))
    }
}
