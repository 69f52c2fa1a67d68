// The typed API the tokenizer and server use: ChatMessage / ToolCall become the dicts
// transformers would pass, so typed conversations render exactly like the reference ones.

import Foundation
import Testing
@testable import ChatTemplate

@Suite("Typed chat API")
struct ChatMessageTests {
    @Test func messageDictHasOnlyTheFieldsThatAreSet() {
        #expect(ChatMessage.user("hi").templateValue == ["role": "user", "content": "hi"])
        guard case .object(let object) = ChatMessage.user("hi").templateValue else { Issue.record("not a dict"); return }
        #expect(object.keys == ["role", "content"])

        let call = ToolCall(id: "call1", name: "f", arguments: ["x": 1])
        let assistant = ChatMessage(role: "assistant", content: nil, toolCalls: [call])
        guard case .object(let dict) = assistant.templateValue else { Issue.record("not a dict"); return }
        #expect(dict.keys == ["role", "content", "tool_calls"])
        #expect(dict["content"] == TemplateValue.none)
        #expect(dict["tool_calls"] == [["id": "call1", "type": "function", "function": ["name": "f", "arguments": ["x": 1]]]])

        let tool = ChatMessage(role: "tool", content: "42", name: "f", toolCallID: "call1")
        guard case .object(let toolDict) = tool.templateValue else { Issue.record("not a dict"); return }
        #expect(toolDict.keys == ["role", "content", "name", "tool_call_id"])
    }

    @Test func typedToolConversationMatchesTheQwenReference() throws {
        let (file, cases) = try Fixtures.renders("qwen2.5-instruct")
        let reference = try #require(cases.first {
            $0.messages.count == 8 && $0.tools?.count == 3 && $0.addGenerationPrompt
        })
        let weather = ToolCall(id: "call12345", name: "get_current_weather",
                               arguments: try TemplateValue(json: #"{"location": "Paris, France", "unit": "celsius"}"#))
        let calculate = ToolCall(id: "abcDEF789", name: "calculate", arguments: try TemplateValue(json:
            #"{"expression": "2 * (3 + 4)", "precision": 3, "scale": 0.25, "strict": true, "tags": ["a", "ü"]}"#))
        let search = ToolCall(id: "q1w2e3r4t", name: "search", arguments: ["q": "Swift \"typed throws\""])
        let messages: [ChatMessage] = [
            .system("Use tools when needed."),
            .user("Weather in Paris, and 2*(3+4)?"),
            ChatMessage(role: "assistant", content: "Let me check both.", toolCalls: [weather, calculate]),
            ChatMessage(role: "tool", content: #"{"temperature": 22.5}"#),
            ChatMessage(role: "tool", content: "14"),
            ChatMessage(role: "assistant", content: nil, toolCalls: [search]),
            ChatMessage(role: "tool", content: "<tool_response>nested</tool_response>"),
            .assistant("Paris is 22.5 °C; the result is 14."),
        ]
        #expect(messages.map(\.templateValue) == reference.messages)
        let text = try Fixtures.template(file).render(
            messages: messages, addGenerationPrompt: true, tools: reference.tools, extra: reference.extra)
        #expect(text == reference.expected)
    }

    @Test func llama32PrintsTodayFromTheInjectedClock() throws {
        let template = try Fixtures.template("llama-3.2-3b-instruct.jinja")
        let text = try template.render(messages: [.user("hi")], addGenerationPrompt: true, extra: ["bos_token": "<|begin_of_text|>"])
        #expect(text == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
            + "Today Date: 07 Mar 2025\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test func qwen3ThinkingSwitchComesThroughExtra() throws {
        let template = try Fixtures.template("qwen3.jinja")
        let thinking = try template.render(messages: [.user("hi")], addGenerationPrompt: true)
        let direct = try template.render(messages: [.user("hi")], addGenerationPrompt: true, extra: ["enable_thinking": false])
        #expect(thinking == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
        #expect(direct == thinking + "<think>\n\n</think>\n\n")
    }

    @Test func smolLM2AddsItsDefaultSystemPrompt() throws {
        let template = try Fixtures.template("smollm2-135m-instruct.jinja")
        let text = try template.render(messages: [.user("What is 2+2?")], addGenerationPrompt: true)
        #expect(text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func renderingIsRepeatableAndSharedAcrossTasks() async throws {
        let template = try Fixtures.template("llama-3.1-8b-instruct.jinja")
        let messages: [ChatMessage] = [.system("s"), .user("u"), .assistant("a"), .user("again")]
        let first = try template.render(messages: messages, addGenerationPrompt: true, extra: ["bos_token": "<|begin_of_text|>"])
        let others = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try template.render(messages: messages, addGenerationPrompt: true, extra: ["bos_token": "<|begin_of_text|>"])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(others.allSatisfy { $0 == first })
    }
}
