// How values turn into text: `{{ x }}` prints Python's str(x), and containers print their
// elements with repr(). Templates rarely print lists, but when they do the bytes must match.

extension TemplateValue {
    /// Python `str(value)`, as `{{ value }}`, `~` and `|string` produce it.
    func pythonString() throws(ChatTemplateError) -> String {
        switch self {
        case .undefined: return ""
        case .string(let text), .markup(let text): return text
        default: return try pythonRepr()
        }
    }

    /// Python `repr(value)`.
    func pythonRepr() throws(ChatTemplateError) -> String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .int(let value): return String(value)
        case .double(let value): return PythonRepr.float(value)
        case .string(let text): return PythonRepr.string(text)
        case .markup(let text): return "Markup(" + PythonRepr.string(text) + ")"
        case .array(let values):
            return "[" + (try values.map { (v) throws(ChatTemplateError) in try v.pythonRepr() }).joined(separator: ", ") + "]"
        case .tuple(let values):
            let items = try values.map { (v) throws(ChatTemplateError) in try v.pythonRepr() }
            return "(" + items.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .object(let object):
            let items = try object.pairs.map { (pair) throws(ChatTemplateError) in
                PythonRepr.string(pair.key) + ": " + (try pair.value.pythonRepr())
            }
            return "{" + items.joined(separator: ", ") + "}"
        case .namespace(let namespace):
            return "<Namespace " + (try TemplateValue.object(namespace.attributes).pythonRepr()) + ">"
        case .function(let function):
            // CPython prints a memory address here, which no reimplementation can match.
            throw .unsupported("printing the function '\(function.name)'", line: nil)
        }
    }
}

/// Python's text forms of floats and strings.
enum PythonRepr {
    /// Python `repr(float)`: the shortest round-tripping digits, in fixed notation when the
    /// decimal exponent is in [-4, 16), otherwise scientific with a two-digit exponent.
    static func float(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let sign = value.sign == .minus ? "-" : ""
        // Swift's description already holds the shortest round-trip digits; only the
        // layout differs from Python's, so re-lay those digits out.
        let text = String(describing: value.magnitude)
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1])! : 0
        let mantissa = parts[0]
        let pointIndex = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) }
            ?? mantissa.count
        var digits = Array(mantissa.filter { $0 != "." })
        var pointPosition = pointIndex + exponent
        while digits.count > 1, digits.first == "0" { digits.removeFirst(); pointPosition -= 1 }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        if digits == ["0"] { return sign + "0.0" }
        let scientificExponent = pointPosition - 1
        if scientificExponent >= -4, scientificExponent < 16 {
            if pointPosition <= 0 {
                return sign + "0." + String(repeating: "0", count: -pointPosition) + String(digits)
            }
            if pointPosition >= digits.count {
                return sign + String(digits) + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            }
            return sign + String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
        }
        let fraction = digits.count > 1 ? "." + String(digits[1...]) : ""
        let magnitude = abs(scientificExponent)
        let exponentText = (scientificExponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
        return sign + String(digits[0]) + fraction + "e" + exponentText
    }

    /// Python `repr(str)`: single quotes unless only double quotes avoid escaping.
    static func string(_ text: String) -> String {
        let quote: Unicode.Scalar = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var result = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case quote: result += "\\" + String(quote)
            default:
                if isPrintable(scalar) {
                    result.unicodeScalars.append(scalar)
                } else {
                    result += escaped(scalar)
                }
            }
        }
        return result + String(quote)
    }

    /// Python's `str.isprintable()` for one character: not a control, format, surrogate,
    /// private-use, unassigned or separator character (the ASCII space excepted).
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
             .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        switch scalar.value {
        case ..<0x100: return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
        case ..<0x10000: return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
        }
    }
}
