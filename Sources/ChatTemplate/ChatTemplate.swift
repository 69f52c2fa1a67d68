// A Jinja-subset interpreter for the chat templates that model files carry
// (tokenizer_config.json `chat_template`, GGUF `tokenizer.chat_template`). It renders the
// way transformers' `apply_chat_template` does: jinja2 with trim_blocks and lstrip_blocks,
// the `raise_exception` and `strftime_now` globals, and a `tojson` that does not escape HTML.

import Foundation

/// A parsed chat template, ready to render conversations into prompt text.
public struct ChatTemplate: Sendable {
    public let source: String
    private let nodes: [Node]
    private let now: @Sendable () -> Date
    private let timeZone: TimeZone

    /// Parses `source`. Throws `.syntax` for invalid Jinja and `.unsupported` for constructs
    /// this interpreter does not implement, so a model's template is vetted when it loads.
    /// - Parameters:
    ///   - now: the clock behind `strftime_now` (Llama 3.2 prints today's date).
    ///   - timeZone: the zone `strftime_now` reads the clock in; Python uses local time.
    public init(
        source: String, now: @escaping @Sendable () -> Date = { Date() }, timeZone: TimeZone = .current
    ) throws(ChatTemplateError) {
        self.source = source
        self.nodes = try TemplateParser.parse(source)
        self.now = now
        self.timeZone = timeZone
    }

    /// Renders a conversation.
    /// - Parameters:
    ///   - addGenerationPrompt: end with the header that opens an assistant turn.
    ///   - tools: tool definitions (OpenAI `tools` array items), or nil for none.
    ///   - extra: other template variables: the tokenizer's special tokens (`bos_token`,
    ///     `eos_token`) and template switches such as Qwen3's `enable_thinking`.
    public func render(
        messages: [ChatMessage], addGenerationPrompt: Bool, tools: [TemplateValue]? = nil,
        extra: [String: TemplateValue] = [:]
    ) throws(ChatTemplateError) -> String {
        try render(
            messageValues: messages.map(\.templateValue), addGenerationPrompt: addGenerationPrompt,
            tools: tools, extra: extra)
    }

    /// Renders messages given as raw values (for callers that pass request JSON through).
    public func render(
        messageValues: [TemplateValue], addGenerationPrompt: Bool, tools: [TemplateValue]? = nil,
        extra: [String: TemplateValue] = [:]
    ) throws(ChatTemplateError) -> String {
        // transformers always passes tools and documents, as None when absent.
        var variables: [String: TemplateValue] = [
            "messages": .array(messageValues),
            "tools": tools.map { .array($0) } ?? TemplateValue.none,
            "documents": TemplateValue.none,
            "add_generation_prompt": .bool(addGenerationPrompt),
        ]
        variables.merge(extra) { _, new in new }
        let renderer = Renderer(environment: RenderEnvironment(now: now, timeZone: timeZone))
        return try renderer.render(nodes, in: Scope(parent: nil, variables: variables))
    }
}
