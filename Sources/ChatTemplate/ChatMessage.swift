// The conversation a template renders, in the shape of OpenAI / transformers messages.

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    /// nil for an assistant turn that only calls tools (OpenAI sends `"content": null`).
    public var content: String?
    public var name: String?
    /// Calls an assistant turn makes; templates read them as `message.tool_calls`.
    public var toolCalls: [ToolCall]?
    /// For `role: "tool"` results: which call this answers (`message.tool_call_id`).
    public var toolCallID: String?
    /// Reasoning kept apart from the answer (Qwen3 reads `message.reasoning_content`).
    public var reasoningContent: String?

    public init(
        role: String, content: String?, name: String? = nil, toolCalls: [ToolCall]? = nil,
        toolCallID: String? = nil, reasoningContent: String? = nil
    ) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.reasoningContent = reasoningContent
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }

    /// The dict a template sees. Optional fields are left out when nil, so that tests like
    /// `'tool_calls' in message` and `message.tool_calls is defined` behave as in Python.
    public var templateValue: TemplateValue {
        var object = TemplateObject()
        object["role"] = .string(role)
        object["content"] = content.map { .string($0) } ?? TemplateValue.none
        if let name { object["name"] = .string(name) }
        if let toolCalls { object["tool_calls"] = .array(toolCalls.map(\.templateValue)) }
        if let toolCallID { object["tool_call_id"] = .string(toolCallID) }
        if let reasoningContent { object["reasoning_content"] = .string(reasoningContent) }
        return .object(object)
    }
}

/// A function call made by the assistant.
public struct ToolCall: Sendable, Equatable {
    public var id: String?
    public var name: String
    /// The call's arguments, normally an object. Parse OpenAI's JSON-string form with
    /// `TemplateValue(json:)` first: templates print them with `tojson`.
    public var arguments: TemplateValue

    public init(id: String? = nil, name: String, arguments: TemplateValue) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// `{"id": ..., "type": "function", "function": {"name": ..., "arguments": ...}}`.
    public var templateValue: TemplateValue {
        var function = TemplateObject()
        function["name"] = .string(name)
        function["arguments"] = arguments
        var call = TemplateObject()
        if let id { call["id"] = .string(id) }
        call["type"] = .string("function")
        call["function"] = .object(function)
        return .object(call)
    }
}
