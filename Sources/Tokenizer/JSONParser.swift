// A small JSON reader over UTF-8 bytes. tokenizer.json is mostly one huge vocabulary object
// and one huge merge list; reading them straight into arrays takes a fraction of the time
// Foundation's decoders need to build dictionaries of them.

struct JSONParseError: Error, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "\(message) at byte \(offset)" }
}

struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Calls `body` with each key of the object at the current position; `body` must read the value.
    mutating func readObject(_ body: (inout JSONParser, String) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            let key = try readString()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            guard try consumeSeparator(closing: UInt8(ascii: "}")) else { return }
        }
    }

    /// Calls `body` once per element of the array at the current position; `body` must read it.
    mutating func readArray(_ body: (inout JSONParser) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try expect(UInt8(ascii: "["))
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            try body(&self)
            guard try consumeSeparator(closing: UInt8(ascii: "]")) else { return }
        }
    }

    mutating func readValue() throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"):
            var fields: [String: JSONValue] = [:]
            try readObject { parser, key throws(JSONParseError) in fields[key] = try parser.readValue() }
            return .object(fields)
        case UInt8(ascii: "["):
            var elements: [JSONValue] = []
            try readArray { parser throws(JSONParseError) in elements.append(try parser.readValue()) }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null
        default:
            return .number(try readNumber())
        }
    }

    mutating func readNumber() throws(JSONParseError) -> Double {
        _ = try peek()
        let start = position
        while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
        guard let value = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)) else {
            throw JSONParseError(message: "expected a value", offset: start)
        }
        return value
    }

    /// An integer, read without going through Double (vocabulary ids).
    mutating func readInt() throws(JSONParseError) -> Int {
        _ = try peek()
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        var value = 0
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
            position += 1
        }
        guard position > start + (negative ? 1 : 0), position - start < 19 else {
            throw JSONParseError(message: "expected an integer", offset: start)
        }
        return negative ? -value : value
    }

    mutating func readString() throws(JSONParseError) -> String {
        try expect(UInt8(ascii: "\""))
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
            position += 1
        }
        guard position < bytes.count else { throw JSONParseError(message: "unterminated string", offset: start) }
        if bytes[position] == UInt8(ascii: "\"") {
            position += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position - 1]), as: UTF8.self)
        }
        var utf8 = Array(bytes[start..<position])
        try readEscapedRest(into: &utf8)
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The rest of a string that has escapes, from the first backslash to the closing quote.
    private mutating func readEscapedRest(into utf8: inout [UInt8]) throws(JSONParseError) {
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { return }
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                continue
            }
            guard position < bytes.count else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var value = try readHex4()
                // A surrogate pair spells one scalar beyond the BMP; a lone surrogate cannot be text.
                if (0xD800...0xDBFF).contains(value), bytes.count - position >= 6,
                    bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                {
                    let saved = position
                    position += 2
                    let low = try readHex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        value = 0x10000 + (value - 0xD800) << 10 + (low - 0xDC00)
                    } else {
                        position = saved
                    }
                }
                utf8.append(contentsOf: String(Unicode.Scalar(value) ?? "\u{FFFD}").utf8)
            default:
                throw JSONParseError(message: "invalid escape", offset: position - 1)
            }
        }
        throw JSONParseError(message: "unterminated string", offset: position)
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard bytes.count - position >= 4,
            let value = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<position + 4]), as: UTF8.self), radix: 16)
        else { throw JSONParseError(message: "invalid \\u escape", offset: position) }
        position += 4
        return value
    }

    /// After an element: true at a comma (more follow), false at the closing bracket.
    private mutating func consumeSeparator(closing: UInt8) throws(JSONParseError) -> Bool {
        let byte = try peek()
        position += 1
        if byte == UInt8(ascii: ",") { return true }
        if byte == closing { return false }
        throw JSONParseError(message: "expected , or \(Character(Unicode.Scalar(closing)))", offset: position - 1)
    }

    /// The next non-whitespace byte, not consumed.
    mutating func peek() throws(JSONParseError) -> UInt8 {
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
        guard position < bytes.count else { throw JSONParseError(message: "unexpected end of file", offset: position) }
        return bytes[position]
    }

    private mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard try peek() == byte else {
            throw JSONParseError(message: "expected \(Character(Unicode.Scalar(byte)))", offset: position)
        }
        position += 1
    }

    private mutating func expectWord(_ word: String) throws(JSONParseError) {
        for byte in word.utf8 {
            guard position < bytes.count, bytes[position] == byte else {
                throw JSONParseError(message: "expected \(word)", offset: position)
            }
            position += 1
        }
    }

    /// Checks that only whitespace follows the document.
    mutating func expectEnd() throws(JSONParseError) {
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
        guard position == bytes.count else { throw JSONParseError(message: "unexpected data after the document", offset: position) }
    }

    @inline(__always)
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }
}
