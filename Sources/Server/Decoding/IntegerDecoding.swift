// Integers with errors that name the field. Foundation's JSONDecoder reports a number that is
// not an integer (1.5, 1e30) as corrupt data with no coding path; these helpers tell a
// non-integral number from a wrong type and say where it was.

extension KeyedDecodingContainer {
    func decodeIntegerIfPresent<T: FixedWidthInteger & Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        do {
            return try decode(T.self, forKey: key)
        } catch let error as DecodingError {
            throw APIError.notAnInteger(param: paramName(codingPath + [key]), T.self, number: try? decode(Double.self, forKey: key))
                ?? APIError(error)
        } catch {
            // Foundation throws an internal error for numbers that do not fit the type.
            throw APIError.notAnInteger(param: paramName(codingPath + [key]), T.self, number: try? decode(Double.self, forKey: key))
                ?? .wrongType(param: paramName(codingPath + [key]), expected: "an integer")
        }
    }

    func decodeInteger<T: FixedWidthInteger & Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let value = try decodeIntegerIfPresent(T.self, forKey: key) else {
            throw APIError.missingField(param: paramName(codingPath + [key]))
        }
        return value
    }

    /// An array of integers (token ids); nil when absent or null.
    func decodeIntegerArrayIfPresent(forKey key: Key) throws -> [Int]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        guard var array = try? nestedUnkeyedContainer(forKey: key) else {
            throw APIError.wrongType(param: paramName(codingPath + [key]), expected: "an array of integers")
        }
        return try array.decodeIntegers()
    }
}

extension UnkeyedDecodingContainer {
    /// The remaining elements as integers.
    mutating func decodeIntegers() throws -> [Int] {
        var values: [Int] = []
        while !isAtEnd {
            let param = paramName(codingPath) + "[\(currentIndex)]"
            do {
                values.append(try decode(Int.self))
            } catch {
                throw APIError.notAnInteger(param: param, Int.self, number: try? decode(Double.self))
                    ?? .wrongType(param: param, expected: "an integer")
            }
        }
        return values
    }
}

extension APIError {
    /// A number where an integer belongs (or an integer too large for it); nil if the value
    /// is not a number at all.
    static func notAnInteger<T: FixedWidthInteger>(param: String, _ type: T.Type, number: Double?) -> APIError? {
        guard let number else { return nil }
        if number.rounded() == number {
            return .invalidValue(param: param, reason: "\(number) is out of range: send an integer from \(T.min) to \(T.max)")
        }
        return .invalidValue(param: param, reason: "\(number) is not an integer")
    }
}
