// A small JSON reader that produces TemplateValues with object keys in document order.

extension JSONText {
    struct Parser {
        let scalars: Scalars
        var index = 0

        init(scalars: Scalars) { self.scalars = scalars }

        mutating func parseDocument() throws(ChatTemplateError) -> TemplateValue {
            let value = try parseValue()
            skipWhitespace()
            guard index == scalars.count else { throw failure("extra data after the JSON value") }
            return value
        }

        private func failure(_ message: String) -> ChatTemplateError {
            .typeError("invalid JSON at offset \(index): \(message)")
        }

        private mutating func skipWhitespace() {
            while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
        }

        private mutating func parseValue() throws(ChatTemplateError) -> TemplateValue {
            skipWhitespace()
            guard index < scalars.count else { throw failure("unexpected end of input") }
            switch scalars[index] {
            case "{": return try parseObject()
            case "[": return try parseArray()
            case "\"": return .string(try parseString())
            case "t": try expectWord("true"); return .bool(true)
            case "f": try expectWord("false"); return .bool(false)
            case "n": try expectWord("null"); return .none
            case "N": try expectWord("NaN"); return .double(.nan)
            case "I": try expectWord("Infinity"); return .double(.infinity)
            default: return try parseNumber()
            }
        }

        private mutating func expectWord(_ word: String) throws(ChatTemplateError) {
            let expected = word.scalars
            guard index + expected.count <= scalars.count,
                  scalars[index..<index + expected.count].elementsEqual(expected)
            else { throw failure("expected '\(word)'") }
            index += expected.count
        }

        private mutating func parseObject() throws(ChatTemplateError) -> TemplateValue {
            index += 1
            var object = TemplateObject()
            skipWhitespace()
            if index < scalars.count, scalars[index] == "}" { index += 1; return .object(object) }
            while true {
                skipWhitespace()
                guard index < scalars.count, scalars[index] == "\"" else { throw failure("expected a string key") }
                let key = try parseString()
                skipWhitespace()
                guard index < scalars.count, scalars[index] == ":" else { throw failure("expected ':'") }
                index += 1
                object[key] = try parseValue()
                skipWhitespace()
                guard index < scalars.count else { throw failure("unterminated object") }
                if scalars[index] == "}" { index += 1; return .object(object) }
                guard scalars[index] == "," else { throw failure("expected ',' or '}'") }
                index += 1
            }
        }

        private mutating func parseArray() throws(ChatTemplateError) -> TemplateValue {
            index += 1
            var values: [TemplateValue] = []
            skipWhitespace()
            if index < scalars.count, scalars[index] == "]" { index += 1; return .array(values) }
            while true {
                values.append(try parseValue())
                skipWhitespace()
                guard index < scalars.count else { throw failure("unterminated array") }
                if scalars[index] == "]" { index += 1; return .array(values) }
                guard scalars[index] == "," else { throw failure("expected ',' or ']'") }
                index += 1
            }
        }

        private mutating func parseString() throws(ChatTemplateError) -> String {
            index += 1
            var result = String.UnicodeScalarView()
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                if scalar == "\"" { return String(result) }
                guard scalar == "\\" else { result.append(scalar); continue }
                guard index < scalars.count else { break }
                let escape = scalars[index]
                index += 1
                switch escape {
                case "\"", "\\", "/": result.append(escape)
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "t": result.append("\t")
                case "b": result.append("\u{08}")
                case "f": result.append("\u{0C}")
                case "u": result.append(try parseUnicodeEscape())
                default: throw failure("invalid escape '\\\(escape)'")
                }
            }
            throw failure("unterminated string")
        }

        private mutating func parseHex4() throws(ChatTemplateError) -> UInt32 {
            guard index + 4 <= scalars.count,
                  let value = UInt32(String(scalars: scalars[index..<index + 4]), radix: 16)
            else { throw failure("invalid \\u escape") }
            index += 4
            return value
        }

        /// A \uXXXX escape, joining a UTF-16 surrogate pair into one scalar.
        private mutating func parseUnicodeEscape() throws(ChatTemplateError) -> Unicode.Scalar {
            let high = try parseHex4()
            if (0xD800..<0xDC00).contains(high), index + 1 < scalars.count,
               scalars[index] == "\\", scalars[index + 1] == "u" {
                let saved = index
                index += 2
                let low = try parseHex4()
                if (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
                }
                index = saved
            }
            // A lone surrogate cannot live in a Swift String; use the replacement character.
            return Unicode.Scalar(high) ?? "\u{FFFD}"
        }

        private mutating func parseNumber() throws(ChatTemplateError) -> TemplateValue {
            let start = index
            var isFloat = false
            while index < scalars.count {
                let scalar = scalars[index]
                if ("0"..."9").contains(scalar) || scalar == "-" || scalar == "+" {
                    index += 1
                } else if scalar == "." || scalar == "e" || scalar == "E" {
                    isFloat = true
                    index += 1
                } else {
                    break
                }
            }
            let text = String(scalars: scalars[start..<index])
            if !isFloat, let value = Int(text) { return .int(value) }
            if let value = Double(text), !text.isEmpty { return .double(value) }
            throw failure("invalid number '\(text)'")
        }
    }
}
