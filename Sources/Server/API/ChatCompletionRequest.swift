// POST /v1/chat/completions, as sent: decoded and structurally checked. Sampling ranges are
// checked where they become SamplingParams (SamplingMapping.swift).

struct ChatCompletionRequest: Decodable, Sendable {
    var model: String?
    var messages: [ChatMessageInput]
    var sampling: SamplingFields
    var stream: Bool
    var includeUsage: Bool
    var logprobs: Bool
    var topLogprobs: Int?
    /// Whether `tools` was sent; the ordered tool JSON is read from the raw body when rendering.
    var hasTools: Bool
    /// Extra template variables (`chat_template_kwargs`, e.g. Qwen3's enable_thinking).
    var templateVariables: [String: JSONValue]
    var addGenerationPrompt: Bool

    private struct StreamOptions: Decodable { var include_usage: Bool? }
    private struct ResponseFormat: Decodable { var type: String }

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, logprobs, tools
        case streamOptions = "stream_options", topLogprobs = "top_logprobs", logitBias = "logit_bias"
        case responseFormat = "response_format", chatTemplateKwargs = "chat_template_kwargs"
        case addGenerationPrompt = "add_generation_prompt"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([ChatMessageInput].self, forKey: .messages)
        guard !messages.isEmpty else {
            throw APIError.invalidValue(param: "messages", reason: "send at least one message")
        }
        sampling = try SamplingFields(from: decoder)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        includeUsage = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)?.include_usage ?? false
        logprobs = try container.decodeIfPresent(Bool.self, forKey: .logprobs) ?? false
        topLogprobs = try container.decodeIntegerIfPresent(Int.self, forKey: .topLogprobs)
        if let tools = try container.decodeIfPresent([JSONValue].self, forKey: .tools) {
            for (index, tool) in tools.enumerated() {
                guard case .object = tool else {
                    throw APIError.wrongType(param: "tools[\(index)]", expected: "an object")
                }
            }
            hasTools = !tools.isEmpty
        } else {
            hasTools = false
        }
        templateVariables = try container.decodeIfPresent([String: JSONValue].self, forKey: .chatTemplateKwargs) ?? [:]
        addGenerationPrompt = try container.decodeIfPresent(Bool.self, forKey: .addGenerationPrompt) ?? true
        if let bias = try container.decodeIfPresent([String: Double].self, forKey: .logitBias), !bias.isEmpty {
            throw APIError.unsupported(param: "logit_bias", reason: "send no logit_bias")
        }
        if let format = try container.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat), format.type != "text" {
            throw APIError.unsupported(param: "response_format.type", reason: "only 'text' output is produced, not '\(format.type)'")
        }
    }
}

/// One message as sent. Roles are checked here; `developer` is OpenAI's newer name for system.
struct ChatMessageInput: Decodable, Sendable {
    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool"]

    var role: String
    var content: String?
    var name: String?
    var toolCalls: [ToolCallInput]?
    var toolCallID: String?
    var reasoningContent: String?

    enum CodingKeys: String, CodingKey {
        case role, content, name, toolCalls = "tool_calls", toolCallID = "tool_call_id"
        case reasoningContent = "reasoning_content"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = paramName(decoder.codingPath)
        let role = try container.decode(String.self, forKey: .role)
        guard Self.roles.contains(role) else {
            throw APIError.invalidValue(
                param: path + ".role", reason: "'\(role)' is not a role: use system, developer, user, assistant or tool")
        }
        self.role = role == "developer" ? "system" : role
        content = try container.decodeIfPresent(MessageContent.self, forKey: .content)?.text
        name = try container.decodeIfPresent(String.self, forKey: .name)
        toolCalls = try container.decodeIfPresent([ToolCallInput].self, forKey: .toolCalls)
        toolCallID = try container.decodeIfPresent(String.self, forKey: .toolCallID)
        reasoningContent = try container.decodeIfPresent(String.self, forKey: .reasoningContent)
        // Only an assistant turn that calls tools may go without content.
        if content == nil && !(role == "assistant" && toolCalls?.isEmpty == false) {
            throw APIError.missingField(param: path + ".content")
        }
    }
}

/// `{"id": ..., "type": "function", "function": {"name": ..., "arguments": "<JSON text>"}}`
struct ToolCallInput: Decodable, Sendable {
    struct Function: Decodable, Sendable {
        var name: String
        var arguments: String
    }
    var id: String?
    var function: Function
}
