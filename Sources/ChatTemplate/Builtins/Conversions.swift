// The numeric filters `int`, `float` and `round`, with jinja2's fallbacks: a value that does
// not convert yields the filter's default instead of an error.

import Foundation

enum Conversions {
    static func toInt(_ value: TemplateValue, default fallback: TemplateValue, base: Int) -> TemplateValue {
        switch value.unmarked {
        case .double(let number):
            return number.isFinite ? .int(Int(number.rounded(.towardZero))) : fallback
        case .string(let text):
            let cleaned = PythonString.strip(text, chars: nil, leading: true, trailing: true).replacingOccurrences(of: "_", with: "")
            if let integer = Int(cleaned, radix: base) { return .int(integer) }
            // "42.23"|int is 42: jinja2 retries through float.
            if let number = parseFloat(text), number.isFinite { return .int(Int(number.rounded(.towardZero))) }
            return fallback
        default:
            return value.integerValue.map { .int($0) } ?? fallback
        }
    }

    static func toFloat(_ value: TemplateValue, default fallback: TemplateValue) -> TemplateValue {
        switch value.unmarked {
        case .string(let text): return parseFloat(text).map { .double($0) } ?? fallback
        default: return value.numericValue.map { .double($0) } ?? fallback
        }
    }

    /// Python `float(str)`: surrounding whitespace allowed, plus inf/nan spellings.
    private static func parseFloat(_ text: String) -> Double? {
        let cleaned = PythonString.strip(text, chars: nil, leading: true, trailing: true).lowercased()
        switch cleaned {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: return Double(cleaned.replacingOccurrences(of: "_", with: ""))
        }
    }

    /// jinja2 `round`: "common" is Python's round() (ties to even; ints stay ints),
    /// "ceil" and "floor" always give floats.
    static func round(_ value: TemplateValue, precision: Int, method: String) throws(ChatTemplateError) -> TemplateValue {
        guard let number = value.numericValue else { throw .typeError("round() needs a number, not \(value.pythonTypeName)") }
        let scale = pow(10, Double(precision))
        switch method {
        case "common":
            if let integer = value.integerValue, precision >= 0 { return .int(integer) }
            return .double((number * scale).rounded(.toNearestOrEven) / scale)
        case "ceil":
            return .double((number * scale).rounded(.up) / scale)
        case "floor":
            return .double((number * scale).rounded(.down) / scale)
        default:
            throw .typeError("method must be common, ceil or floor")
        }
    }
}
