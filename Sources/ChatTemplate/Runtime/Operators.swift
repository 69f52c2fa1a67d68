// Python's arithmetic and comparison rules for template values. Errors carry Python's own
// wording so a failing template reads the same as it would under transformers.

import Foundation

enum Operators {
    static func apply(_ op: BinaryOperator, _ left: TemplateValue, _ right: TemplateValue) throws(ChatTemplateError) -> TemplateValue {
        if op == .concat { return .string(try left.pythonString() + right.pythonString()) }
        if case .undefined(let name) = left { throw .undefined("'\(name)' is undefined") }
        if case .undefined(let name) = right { throw .undefined("'\(name)' is undefined") }
        if let result = try Markup.arithmetic(op, left, right) { return result }
        switch (op, left, right) {
        case (.add, .string(let a), .string(let b)): return .string(a + b)
        case (.add, .array(let a), .array(let b)): return .array(a + b)
        case (.add, .tuple(let a), .tuple(let b)): return .tuple(a + b)
        case (.add, .string, _):
            throw .typeError("can only concatenate str (not \"\(right.pythonTypeName)\") to str")
        case (.add, .array, _), (.add, .tuple, _):
            throw .typeError(
                "can only concatenate \(left.pythonTypeName) (not \"\(right.pythonTypeName)\") to \(left.pythonTypeName)")
        case (.multiply, .string(let text), _), (.multiply, _, .string(let text)):
            guard let times = (left.stringValue == nil ? left : right).integerValue else { break }
            return .string(String(repeating: text, count: max(times, 0)))
        case (.multiply, .array(let values), _), (.multiply, _, .array(let values)),
             (.multiply, .tuple(let values), _), (.multiply, _, .tuple(let values)):
            let sequenceOnLeft = left.elements != nil
            guard let times = (sequenceOnLeft ? right : left).integerValue else { break }
            let repeated = Array(repeating: values, count: max(times, 0)).flatMap { $0 }
            if case .tuple = (sequenceOnLeft ? left : right) { return .tuple(repeated) }
            return .array(repeated)
        case (.modulo, .string, _):
            throw .unsupported("printf-style '%' string formatting", line: nil)
        default:
            break
        }
        if let a = left.integerValue, let b = right.integerValue { return try integerArithmetic(op, a, b) }
        if let a = left.numericValue, let b = right.numericValue { return try floatArithmetic(op, a, b) }
        throw .typeError(
            "unsupported operand type(s) for \(op.rawValue): '\(left.pythonTypeName)' and '\(right.pythonTypeName)'")
    }

    private static func integerArithmetic(_ op: BinaryOperator, _ a: Int, _ b: Int) throws(ChatTemplateError) -> TemplateValue {
        let overflow = ChatTemplateError.typeError("integer overflow in \(a) \(op.rawValue) \(b)")
        switch op {
        case .add:
            let (sum, overflowed) = a.addingReportingOverflow(b)
            if overflowed { throw overflow }
            return .int(sum)
        case .subtract:
            let (difference, overflowed) = a.subtractingReportingOverflow(b)
            if overflowed { throw overflow }
            return .int(difference)
        case .multiply:
            let (product, overflowed) = a.multipliedReportingOverflow(by: b)
            if overflowed { throw overflow }
            return .int(product)
        case .divide:
            guard b != 0 else { throw .typeError("division by zero") }
            return .double(Double(a) / Double(b))
        case .floorDivide, .modulo:
            guard b != 0 else { throw .typeError("integer division or modulo by zero") }
            // Python rounds the quotient toward negative infinity; the remainder takes the
            // divisor's sign.
            var quotient = a / b
            var remainder = a % b
            if remainder != 0, (remainder < 0) != (b < 0) { quotient -= 1; remainder += b }
            return .int(op == .floorDivide ? quotient : remainder)
        case .power:
            guard b >= 0 else { return .double(pow(Double(a), Double(b))) }
            var result = 1
            for _ in 0..<b {
                let (product, overflowed) = result.multipliedReportingOverflow(by: a)
                if overflowed { throw overflow }
                result = product
            }
            return .int(result)
        case .concat:
            return .string(String(a) + String(b))
        }
    }

    private static func floatArithmetic(_ op: BinaryOperator, _ a: Double, _ b: Double) throws(ChatTemplateError) -> TemplateValue {
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide:
            guard b != 0 else { throw .typeError("float division by zero") }
            return .double(a / b)
        case .floorDivide:
            guard b != 0 else { throw .typeError("float floor division by zero") }
            return .double((a / b).rounded(.down))
        case .modulo:
            guard b != 0 else { throw .typeError("float modulo") }
            let remainder = fmod(a, b)
            return .double(remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder)
        case .power: return .double(pow(a, b))
        case .concat: return .string(PythonRepr.float(a) + PythonRepr.float(b))
        }
    }

    static func negate(_ value: TemplateValue) throws(ChatTemplateError) -> TemplateValue {
        switch value {
        case .double(let number): return .double(-number)
        case .undefined(let name): throw .undefined("'\(name)' is undefined")
        default:
            guard let integer = value.integerValue else { throw .typeError("bad operand type for unary -: '\(value.pythonTypeName)'") }
            return .int(-integer)
        }
    }

    static func compare(_ op: CompareOperator, _ left: TemplateValue, _ right: TemplateValue) throws(ChatTemplateError) -> Bool {
        switch op {
        case .equal: return left == right
        case .notEqual: return left != right
        case .contains: return try contains(right, left)
        case .notContains: return !(try contains(right, left))
        case .less: return try order(left, right, op) < 0
        case .lessOrEqual: return try order(left, right, op) <= 0
        case .greater: return try order(left, right, op) > 0
        case .greaterOrEqual: return try order(left, right, op) >= 0
        }
    }

    /// Python's `needle in container`.
    static func contains(_ container: TemplateValue, _ needle: TemplateValue) throws(ChatTemplateError) -> Bool {
        let needle = needle.unmarked
        switch container.unmarked {
        case .string(let text):
            guard case .string(let part) = needle else {
                throw .typeError("'in <string>' requires string as left operand, not \(needle.pythonTypeName)")
            }
            return part.isEmpty || PythonString.find(text.scalars, part.scalars) >= 0
        case .array(let values), .tuple(let values): return values.contains(needle)
        case .object(let object):
            guard case .string(let key) = needle else { return false }
            return object[key] != nil
        case .namespace(let namespace):
            guard case .string(let key) = needle else { return false }
            return namespace.attributes[key] != nil
        case .undefined: return false
        default:
            throw .typeError("argument of type '\(container.pythonTypeName)' is not iterable")
        }
    }

    /// -1, 0 or 1 for Python's ordering of numbers, strings (by code point) and lists.
    static func order(_ left: TemplateValue, _ right: TemplateValue, _ op: CompareOperator) throws(ChatTemplateError) -> Int {
        switch (left.unmarked, right.unmarked) {
        case (.undefined(let name), _), (_, .undefined(let name)):
            throw .undefined("'\(name)' is undefined")
        case (.string(let a), .string(let b)):
            if a == b { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value } ? -1 : 1
        case (.array(let a), .array(let b)), (.tuple(let a), .tuple(let b)):
            for (x, y) in zip(a, b) where x != y { return try order(x, y, op) }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        default:
            if let a = left.integerValue, let b = right.integerValue { return a == b ? 0 : (a < b ? -1 : 1) }
            if let a = left.numericValue, let b = right.numericValue { return a == b ? 0 : (a < b ? -1 : 1) }
            throw .typeError(
                "'\(op.rawValue)' not supported between instances of '\(left.pythonTypeName)' and '\(right.pythonTypeName)'")
        }
    }
}
