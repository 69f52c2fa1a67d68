// Errors as the HTTP responses clients see: OpenAI's error JSON, with Retry-After on 429.
import Foundation
import Hummingbird

/// `{"error": {"message": ..., "type": ..., "param": ..., "code": ...}}`
struct ErrorEnvelope: Codable, Sendable, Equatable {
    struct Body: Codable, Sendable, Equatable {
        var message: String
        var type: String
        var param: String?
        var code: String?
    }
    var error: Body

    init(_ error: APIError) {
        self.error = Body(message: error.description, type: error.type, param: error.param, code: error.code)
    }
}

extension ErrorEnvelope.Body {
    // `param` and `code` are written as null when absent, as OpenAI does.
    private enum Keys: String, CodingKey { case message, type, param, code }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(message, forKey: .message)
        try container.encode(type, forKey: .type)
        try container.encode(param, forKey: .param)
        try container.encode(code, forKey: .code)
    }
}

extension APIError {
    /// The whole HTTP response for this error.
    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if case .queueFull(_, let retryAfter) = self { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBytes)))
    }

    /// The error JSON alone (also sent as an SSE event when a stream fails midway).
    var jsonBytes: [UInt8] {
        // Encoding plain strings cannot fail; fall back to a fixed body rather than trap.
        (try? Array(JSONCoding.encoder.encode(ErrorEnvelope(self))))
            ?? Array(#"{"error":{"message":"unencodable error","type":"server_error","param":null,"code":null}}"#.utf8)
    }

    /// What any error thrown while handling a request means for the client.
    init(thrown error: any Error, request: Request, bodyLimit: Int) {
        switch error {
        case let error as APIError:
            self = error
        case let error as HTTPError where error.status == .contentTooLarge:
            self = .bodyTooLarge(limit: bodyLimit)
        case let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed:
            self = .routeNotFound(method: request.method.rawValue, path: request.uri.path)
        case let error as HTTPError where (400..<500).contains(error.status.code):
            self = .malformedJSON(error.body ?? error.status.reasonPhrase)
        default:
            self = .internalError(String(describing: error))
        }
    }
}

/// Shared JSON coders: compact output, keys in declaration order.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func bytes(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    /// A 200 (or `status`) response whose body is `value` as JSON.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try bytes(value))))
    }
}
