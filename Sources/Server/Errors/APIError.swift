// Everything a client can get wrong (and the few things the server can), each with the HTTP
// status, OpenAI error type, offending field and a message that says what to change.
import Engine
import Hummingbird

/// An error answered as OpenAI's error JSON (`{"error": {"message", "type", "param", "code"}}`).
public enum APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is not valid UTF-8; `offset` is the first bad byte.
    case invalidUTF8(offset: Int)
    /// The body is not JSON at all (or not an object).
    case malformedJSON(String)
    case missingField(param: String)
    /// A field has the wrong JSON type, e.g. a string where a number belongs.
    case wrongType(param: String, expected: String)
    /// A field has the right type but a value outside what is accepted.
    case invalidValue(param: String, reason: String)
    /// A feature this server does not implement, named by its field.
    case unsupported(param: String, reason: String)
    case unknownModel(String, served: String)
    /// The prompt (plus at least one new token) does not fit the context.
    case promptTooLong(param: String, promptTokens: Int, contextLength: Int)
    case bodyTooLarge(limit: Int)
    case routeNotFound(method: String, path: String)
    /// The waiting queue is full; the client should retry after `retryAfter` seconds.
    case queueFull(capacity: Int, retryAfter: Int)
    case shuttingDown
    case timedOut(seconds: Double)
    /// The model's chat template refused the conversation or failed to render it.
    case chatTemplate(String)
    /// A failure that is the server's fault, not the client's.
    case internalError(String)

    public var status: HTTPResponse.Status {
        switch self {
        case .invalidUTF8, .malformedJSON, .missingField, .wrongType, .invalidValue, .unsupported,
            .promptTooLong, .chatTemplate:
            return .badRequest
        case .unknownModel, .routeNotFound: return .notFound
        case .bodyTooLarge: return .contentTooLarge
        case .queueFull: return .tooManyRequests
        case .shuttingDown: return .serviceUnavailable
        case .timedOut: return .requestTimeout
        case .internalError: return .internalServerError
        }
    }

    /// OpenAI's `error.type`.
    public var type: String {
        switch status {
        case .notFound: return "not_found_error"
        case .tooManyRequests: return "rate_limit_error"
        case .serviceUnavailable, .internalServerError: return "server_error"
        case .requestTimeout: return "timeout_error"
        default: return "invalid_request_error"
        }
    }

    /// The request field the error is about (`messages[0].content`, `max_tokens`...).
    public var param: String? {
        switch self {
        case .missingField(let param), .wrongType(let param, _), .invalidValue(let param, _),
            .unsupported(let param, _), .promptTooLong(let param, _, _):
            return param
        case .unknownModel: return "model"
        case .chatTemplate: return "messages"
        default: return nil
        }
    }

    /// A stable machine-readable code (OpenAI's `error.code`).
    public var code: String {
        switch self {
        case .invalidUTF8: return "invalid_utf8"
        case .malformedJSON: return "invalid_json"
        case .missingField: return "missing_required_parameter"
        case .wrongType: return "invalid_type"
        case .invalidValue: return "invalid_value"
        case .unsupported: return "unsupported_parameter"
        case .unknownModel: return "model_not_found"
        case .promptTooLong: return "context_length_exceeded"
        case .bodyTooLarge: return "request_too_large"
        case .routeNotFound: return "unknown_url"
        case .queueFull: return "queue_full"
        case .shuttingDown: return "shutting_down"
        case .timedOut: return "request_timeout"
        case .chatTemplate: return "invalid_messages"
        case .internalError: return "internal_error"
        }
    }

    public var description: String {
        switch self {
        case .invalidUTF8(let offset):
            return "the request body is not valid UTF-8 (first bad byte at offset \(offset)): send UTF-8 encoded JSON"
        case .malformedJSON(let reason):
            return "the request body is not a valid JSON object (\(reason)): send a JSON object"
        case .missingField(let param):
            return "'\(param)' is required"
        case .wrongType(let param, let expected):
            return "'\(param)' must be \(expected)"
        case .invalidValue(let param, let reason):
            return "'\(param)' is invalid: \(reason)"
        case .unsupported(let param, let reason):
            return "'\(param)' is not supported by this server: \(reason)"
        case .unknownModel(let model, let served):
            return "the model '\(model)' does not exist here: this server serves '\(served)' (see GET /v1/models)"
        case .promptTooLong(_, let tokens, let context):
            return "the prompt has \(tokens) tokens but the model's context holds \(context), including at least one new token: shorten it"
        case .bodyTooLarge(let limit):
            return "the request body is larger than \(limit) bytes: send a shorter prompt"
        case .routeNotFound(let method, let path):
            return "no route \(method) \(path): see /v1/chat/completions, /v1/completions, /v1/models, /generate, /tokenize, /detokenize, /health, /metrics"
        case .queueFull(let capacity, let retryAfter):
            return "the server is busy: its waiting queue is full (\(capacity) requests); retry after \(retryAfter) s"
        case .shuttingDown:
            return "the server is shutting down and accepts no new requests: retry on another instance"
        case .timedOut(let seconds):
            return "the request did not finish within its timeout of \(seconds) s and was aborted: raise 'timeout' or lower 'max_tokens'"
        case .chatTemplate(let reason):
            return "the messages could not be turned into a prompt: \(reason)"
        case .internalError(let reason):
            return "internal server error: \(reason)"
        }
    }
}

extension APIError {
    /// The engine's reasons for refusing a request, as the client should see them.
    init(_ error: SubmissionError, promptParam: String) {
        switch error {
        case .emptyPrompt:
            self = .invalidValue(param: promptParam, reason: "the prompt is empty: send at least one token")
        case .promptTooLong(let tokens, let context):
            self = .promptTooLong(param: promptParam, promptTokens: tokens, contextLength: context)
        case .queueFull(let capacity):
            self = .queueFull(capacity: capacity, retryAfter: 1)
        case .duplicateID(let id):
            self = .internalError("request id \(id) is already in use")
        case .invalidSampling(let why):
            self = .invalidValue(param: "sampling", reason: why)
        case .shuttingDown:
            self = .shuttingDown
        }
    }
}
