// Requests → prompt token ids: chat messages through the model's template, completion prompts
// as text or ids. Every id a client sends is checked against the vocabulary.
import ChatTemplate
import Tokenizer

struct PromptBuilder: Sendable {
    let model: ServedModel

    /// The tokens of a chat conversation rendered by the model's template.
    func chatPrompt(
        _ messages: [ChatMessageInput], addGenerationPrompt: Bool, templateVariables: [String: JSONValue] = [:],
        orderedTools: [TemplateValue]? = nil
    ) throws(APIError) -> [Int32] {
        guard let template = model.chatTemplate else {
            throw .unsupported(param: "messages", reason: "the model '\(model.name)' has no chat template; use /v1/completions")
        }
        var variables = model.templateTokenVariables
        for (key, value) in templateVariables { variables[key] = value.templateValue }
        let text: String
        do {
            text = try template.render(
                messages: messages.map(\.chatMessage), addGenerationPrompt: addGenerationPrompt,
                tools: orderedTools, extra: variables)
        } catch {
            throw .chatTemplate(error.description)
        }
        // The template already wrote the special tokens it wants (BOS and turn markers).
        let tokens = model.tokenizer.encode(text, addSpecialTokens: false)
        guard !tokens.isEmpty else { throw .invalidValue(param: "messages", reason: "the rendered prompt is empty") }
        return tokens
    }

    /// One token list per prompt of a completions request.
    func completionPrompts(_ prompt: PromptField) throws(APIError) -> [[Int32]] {
        switch prompt {
        case .text(let text):
            return [try encodeText(text, param: "prompt")]
        case .texts(let texts):
            guard !texts.isEmpty else { throw .invalidValue(param: "prompt", reason: "send at least one prompt") }
            var prompts: [[Int32]] = []
            for (index, text) in texts.enumerated() { prompts.append(try encodeText(text, param: "prompt[\(index)]")) }
            return prompts
        case .tokens(let ids):
            return [try tokenIDs(ids, param: "prompt")]
        case .tokenLists(let lists):
            guard !lists.isEmpty else { throw .invalidValue(param: "prompt", reason: "send at least one prompt") }
            var prompts: [[Int32]] = []
            for (index, ids) in lists.enumerated() { prompts.append(try tokenIDs(ids, param: "prompt[\(index)]")) }
            return prompts
        }
    }

    func encodeText(_ text: String, param: String, addSpecialTokens: Bool = true) throws(APIError) -> [Int32] {
        let tokens = model.tokenizer.encode(text, addSpecialTokens: addSpecialTokens)
        guard !tokens.isEmpty else { throw .invalidValue(param: param, reason: "the prompt is empty: send some text") }
        return tokens
    }

    /// Client-sent ids, each checked to name a token of this vocabulary.
    func tokenIDs(_ ids: [Int], param: String, allowEmpty: Bool = false) throws(APIError) -> [Int32] {
        guard allowEmpty || !ids.isEmpty else { throw .invalidValue(param: param, reason: "send at least one token id") }
        let vocabulary = model.tokenizer.vocabularySize
        var tokens: [Int32] = []
        tokens.reserveCapacity(ids.count)
        for (index, id) in ids.enumerated() {
            guard id >= 0, id < vocabulary else {
                throw .invalidValue(param: "\(param)[\(index)]", reason: "\(id) is not a token id: ids run from 0 to \(vocabulary - 1)")
            }
            tokens.append(Int32(id))
        }
        return tokens
    }
}

extension ChatMessageInput {
    var chatMessage: ChatMessage {
        ChatMessage(
            role: role, content: content, name: name,
            toolCalls: toolCalls?.map { call in
                // Templates print arguments with tojson, so pass them as the object they encode.
                let arguments = (try? TemplateValue(json: call.function.arguments)) ?? .string(call.function.arguments)
                return ToolCall(id: call.id, name: call.function.name, arguments: arguments)
            },
            toolCallID: toolCallID, reasoningContent: reasoningContent)
    }
}

extension PromptBuilder {
    /// The request's `tools` with their keys in the order the client wrote them (templates
    /// print tool schemas with tojson, so order shows in the prompt; JSONDecoder loses it).
    static func orderedTools(fromBody body: [UInt8]) throws(APIError) -> [TemplateValue]? {
        let parsed: TemplateValue
        do {
            parsed = try TemplateValue(json: String(decoding: body, as: UTF8.self))
        } catch {
            throw .malformedJSON(error.description)
        }
        guard case .object(let object) = parsed, let tools = object["tools"] else { return nil }
        guard case .array(let list) = tools else { throw .wrongType(param: "tools", expected: "an array") }
        return list
    }
}
