// A seeded generator of malformed and adversarial requests: valid requests for each endpoint
// broken in one way each (wrong types, out-of-range values, missing or invalid fields, unknown
// models, bad token ids, over-long prompts, truncated or non-UTF-8 bodies, hostile nesting,
// wrong routes and methods). Every request it makes must be refused with a 4xx.

/// A JSON value that keeps key order and can hold raw text (for numbers JSON allows but
/// Swift types do not, like 1e400).
indirect enum FuzzJSON {
    case null, bool(Bool), int(Int), double(Double), string(String), raw(String)
    case array([FuzzJSON])
    case object([(String, FuzzJSON)])

    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value):
            var escaped = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return escaped + "\""
        case .raw(let text): return text
        case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let pairs): return "{" + pairs.map { FuzzJSON.string($0.0).text + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    func setting(_ key: String, to value: FuzzJSON?) -> FuzzJSON {
        guard case .object(var pairs) = self else { return self }
        pairs.removeAll { $0.0 == key }
        if let value { pairs.append((key, value)) }
        return .object(pairs)
    }
}

struct FuzzRequest {
    var method = "POST"
    var path: String
    var body: [UInt8]
    var what: String
}

/// SplitMix64: small, seeded, reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct FuzzCorpus {
    let vocabularySize: Int
    let contextLength: Int
    var random: SeededGenerator

    private static let user: FuzzJSON = .object([("role", .string("user")), ("content", .string("Hi"))])

    /// Valid requests, one per endpoint, with the numeric fields each one range-checks.
    private var bases: [(path: String, body: FuzzJSON)] {
        [
            ("/v1/chat/completions", .object([
                ("model", .string("smollm2")), ("messages", .array([Self.user])), ("max_tokens", .int(4)),
                ("temperature", .double(0.5)), ("top_p", .double(0.9)), ("n", .int(1)), ("stream", .bool(false)),
            ])),
            ("/v1/completions", .object([
                ("model", .string("smollm2")), ("prompt", .string("Hello")), ("max_tokens", .int(4)),
                ("top_k", .int(5)), ("min_p", .double(0.1)), ("stream", .bool(true)),
            ])),
            ("/generate", .object([
                ("text", .string("Hello")), ("sampling_params", .object([("max_new_tokens", .int(4)), ("temperature", .double(0))])),
            ])),
            ("/tokenize", .object([("prompt", .string("Hello"))])),
            ("/detokenize", .object([("tokens", .array([.int(1), .int(2)]))])),
        ]
    }

    private static let wrongTypeValues: [FuzzJSON] = [
        .string("12"), .bool(true), .array([.int(1)]), .object([("a", .int(1))]), .double(0.25),
    ]

    /// Values that are wrong for each field whatever else the request holds.
    private func invalidValues(for key: String) -> [FuzzJSON] {
        switch key {
        case "max_tokens", "max_new_tokens":
            return [.int(0), .int(-1), .int(Int.min), .int(contextLength * 4), .double(2.5), .raw("1e400"), .string("4"), .array([])]
        case "temperature": return [.double(-0.1), .double(2.5), .raw("1e400"), .raw("-1e400"), .string("hot"), .bool(false)]
        case "top_p": return [.int(0), .double(-1), .double(1.5), .string("0.9"), .array([])]
        case "top_k": return [.int(-2), .int(Int.min), .double(3.5), .string("5")]
        case "min_p": return [.double(-0.5), .double(1.01), .object([])]
        case "n": return [.int(0), .int(-3), .int(17), .int(1_000_000), .string("2"), .double(1.5)]
        case "stream": return [.string("true"), .int(1), .array([.bool(true)])]
        case "model": return [.string("gpt-4o"), .string(""), .int(3), .array([]), .string("smollm2 ")]
        case "messages":
            return [
                .array([]), .string("Hi"), .object([]), .array([.string("Hi")]),
                .array([.object([("role", .string("robot")), ("content", .string("Hi"))])]),
                .array([.object([("role", .string("user"))])]),
                .array([.object([("content", .string("Hi"))])]),
                .array([.object([("role", .string("user")), ("content", .int(7))])]),
                .array([.object([("role", .string("user")), ("content", .array([.object([("type", .string("image_url"))])]))])]),
                .array([.object([("role", .string("user")), ("content", .array([.object([("type", .string("text"))])]))])]),
                .array([.object([("role", .int(1)), ("content", .string("Hi"))])]),
            ]
        case "prompt":
            return [
                .array([]), .string(""), .int(5), .object([]), .array([.int(-1)]), .array([.int(vocabularySize)]),
                .array([.raw("1e30")]), .array([.array([])]), .array([.bool(true)]),
                .array(Array(repeating: .int(28), count: contextLength)),
            ]
        case "text": return [.string(""), .int(3), .array([.string("a")])]
        case "sampling_params": return [.string("greedy"), .array([]), .object([("max_new_tokens", .int(0))]),
                                        .object([("temperature", .int(-5))]), .object([("n", .int(99))])]
        case "tokens": return [.array([.int(-5)]), .array([.int(vocabularySize + 10)]), .string("1 2"), .array([.raw("1e100")]), .null]
        default: return Self.wrongTypeValues
        }
    }

    /// Keys whose absence is an error.
    private static let required: [String: String] = [
        "/v1/chat/completions": "messages", "/v1/completions": "prompt", "/generate": "text",
        "/tokenize": "prompt", "/detokenize": "tokens",
    ]

    mutating func next() -> FuzzRequest {
        let base = bases.randomElement(using: &random)!
        let (path, body) = base
        guard case .object(let pairs) = body else { fatalError("bases are objects") }
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<45:
            let key = pairs.randomElement(using: &random)!.0
            // An empty text is a fine thing to tokenize, and nothing else is valid there.
            let values = invalidValues(for: key).filter { path != "/tokenize" || $0.text != "\"\"" }
            let value = values.randomElement(using: &random)!
            return request(path, body.setting(key, to: value), "\(key) = \(value.text.prefix(40))")
        case 45..<52:
            let key = Self.required[path]!
            return request(path, body.setting(key, to: nil), "without \(key)")
        case 52..<62:
            let text = body.text
            let cut = Int.random(in: 0..<text.utf8.count, using: &random)
            return FuzzRequest(path: path, body: Array(Array(text.utf8)[..<cut]), what: "truncated at \(cut)")
        case 62..<70:
            let text = Array(body.text.utf8)
            // Inside the first string value: after its opening quote.
            let quote = text.firstIndex(of: UInt8(ascii: "\""))! + 1
            let bad: [[UInt8]] = [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]]
            let bytes = bad.randomElement(using: &random)!
            return FuzzRequest(path: path, body: Array(text[..<quote]) + bytes + Array(text[quote...]), what: "invalid UTF-8 \(bytes)")
        case 70..<76:
            let count = Int.random(in: 1..<200, using: &random)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            return FuzzRequest(path: path, body: bytes, what: "\(count) random bytes")
        case 76..<82:
            let tops: [String] = ["null", "42", "\"text\"", "[]", "[{}]", "true", "{}", "  ", "{\"a\":}", "{,}", "{'model': 1}"]
            let top = tops.randomElement(using: &random)!
            return FuzzRequest(path: path, body: Array(top.utf8), what: "top level \(top)")
        case 82..<87:
            let depth = [64, 600, 5_000, 50_000].randomElement(using: &random)!
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let key = Self.required[path]!
            return request(path, body.setting(key, to: .raw(nested)), "\(key) nested \(depth) deep")
        case 87..<93:
            let paths = ["/v1/embeddings", "/v1/chat", "/v2/completions", "/generate/x", "/", "/v1/models/x", "/%ff", "/health/x"]
            return FuzzRequest(path: paths.randomElement(using: &random)!, body: Array(body.text.utf8), what: "unknown route")
        case 93..<97:
            let methods = ["GET", "PUT", "DELETE", "PATCH"]
            var fuzz = FuzzRequest(path: path, body: Array(body.text.utf8), what: "wrong method")
            fuzz.method = methods.randomElement(using: &random)!
            return fuzz
        default:
            let key = pairs.randomElement(using: &random)!.0
            let huge = FuzzJSON.string(String(repeating: "x", count: 70_000))
            return request(path, body.setting(key, to: huge), "\(key) too large")
        }
    }

    private func request(_ path: String, _ body: FuzzJSON, _ what: String) -> FuzzRequest {
        FuzzRequest(path: path, body: Array(body.text.utf8), what: "\(path): \(what)")
    }
}
