// Request bodies → typed requests. Every failure becomes an APIError that names the field
// (`messages[1].content`), so a client always learns what to fix.
import Foundation
import Hummingbird

enum RequestDecoder {
    /// Decodes the JSON object in `body` as `T`.
    static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws(APIError) -> T {
        let bytes = Array(body.readableBytesView)
        if let offset = firstInvalidUTF8Offset(bytes) { throw .invalidUTF8(offset: offset) }
        guard bytes.contains(where: { !Self.isJSONWhitespace($0) }) else { throw .malformedJSON("the body is empty") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw APIError(error)
        } catch {
            throw .malformedJSON(String(describing: error))
        }
    }

    /// Offset of the first byte that is not part of well-formed UTF-8, or nil.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

/// `messages[0].content` from a coding path.
func paramName(_ path: [any CodingKey]) -> String {
    var name = ""
    for key in path {
        if let index = key.intValue {
            name += "[\(index)]"
        } else {
            name += name.isEmpty ? key.stringValue : "." + key.stringValue
        }
    }
    return name
}

extension APIError {
    init(_ error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            self = context.codingPath.isEmpty
                ? .malformedJSON("the top level must be a JSON object")
                : .wrongType(param: paramName(context.codingPath), expected: Self.jsonTypeName(type))
        case .valueNotFound(let type, let context):
            self = .wrongType(param: paramName(context.codingPath), expected: Self.jsonTypeName(type) + ", not null")
        case .keyNotFound(let key, let context):
            self = .missingField(param: paramName(context.codingPath + [key]))
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let underlying = context.underlyingError.map { ": \($0)" } ?? ""
                self = .malformedJSON(context.debugDescription + underlying)
            } else {
                self = .invalidValue(param: paramName(context.codingPath), reason: context.debugDescription)
            }
        @unknown default:
            self = .malformedJSON(String(describing: error))
        }
    }

    /// How a client would name the JSON type a Swift type is decoded from.
    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.hasPrefix("[") && !name.contains(":") { return "an array" }
            return "an object"
        }
    }
}
