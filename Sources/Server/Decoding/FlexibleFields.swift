// Fields that OpenAI lets clients send in more than one shape.

/// `stop`: one string or a list of strings.
struct StopField: Decodable, Sendable, Equatable {
    var strings: [String]

    init(strings: [String]) { self.strings = strings }

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let one = try? value.decode(String.self) {
            strings = [one]
        } else if let many = try? value.decode([String].self) {
            strings = many
        } else {
            throw APIError.wrongType(param: paramName(decoder.codingPath), expected: "a string or an array of strings")
        }
    }
}

/// The legacy completions `prompt`: text, token ids, or a batch of either.
enum PromptField: Decodable, Sendable, Equatable {
    case text(String)
    case tokens([Int])
    case texts([String])
    case tokenLists([[Int]])

    init(from decoder: any Decoder) throws {
        let param = paramName(decoder.codingPath)
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self = .text(text)
            return
        }
        guard var probe = try? decoder.unkeyedContainer() else {
            throw APIError.wrongType(
                param: param,
                expected: "a string, an array of strings, an array of token ids or an array of arrays of token ids")
        }
        // The first element decides which of the three array shapes this is.
        var elements = try decoder.unkeyedContainer()
        if (try? probe.decode(String.self)) != nil {
            var texts: [String] = []
            while !elements.isAtEnd {
                let index = elements.currentIndex
                guard let text = try? elements.decode(String.self) else {
                    throw APIError.wrongType(param: "\(param)[\(index)]", expected: "a string")
                }
                texts.append(text)
            }
            self = .texts(texts)
        } else if (try? probe.nestedUnkeyedContainer()) != nil {
            var lists: [[Int]] = []
            while !elements.isAtEnd {
                let index = elements.currentIndex
                guard var list = try? elements.nestedUnkeyedContainer() else {
                    throw APIError.wrongType(param: "\(param)[\(index)]", expected: "an array of token ids")
                }
                lists.append(try list.decodeIntegers())
            }
            self = .tokenLists(lists)
        } else {
            self = .tokens(try elements.decodeIntegers())
        }
    }
}

/// A chat message's `content`: text, or a list of parts of which only text parts are read.
struct MessageContent: Decodable, Sendable, Equatable {
    var text: String

    private struct Part: Decodable {
        var type: String
        var text: String?
    }

    init(text: String) { self.text = text }

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let text = try? value.decode(String.self) {
            self.text = text
            return
        }
        var parts = try? decoder.unkeyedContainer()
        guard parts != nil else {
            throw APIError.wrongType(param: paramName(decoder.codingPath), expected: "a string or an array of content parts")
        }
        var text = ""
        while !parts!.isAtEnd {
            let param = paramName(decoder.codingPath) + "[\(parts!.currentIndex)]"
            let part = try parts!.decode(Part.self)
            guard part.type == "text" else {
                throw APIError.unsupported(param: param + ".type", reason: "only text content parts are supported, not '\(part.type)'")
            }
            guard let partText = part.text else { throw APIError.missingField(param: param + ".text") }
            text += partText
        }
        self.text = text
    }
}
