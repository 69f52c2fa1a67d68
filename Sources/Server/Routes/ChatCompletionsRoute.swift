// POST /v1/chat/completions: decode → render the conversation → plan → run → answer.
import Hummingbird

struct ChatCompletionsRoute: Sendable {
    let core: ServerCore

    func handle(_ request: Request) async throws -> Response {
        let arrival = ContinuousClock.now
        var request = request
        let body = try await RequestBodyReader.collect(&request, limit: core.configuration.maxRequestBytes)
        let chat = try RequestDecoder.decode(ChatCompletionRequest.self, from: body)
        try core.checkModel(chat.model)
        let tools = chat.hasTools ? try PromptBuilder.orderedTools(fromBody: Array(body.readableBytesView)) : nil
        let prompt = try core.prompts.chatPrompt(
            chat.messages, addGenerationPrompt: chat.addGenerationPrompt, templateVariables: chat.templateVariables,
            orderedTools: tools)
        if chat.topLogprobs != nil && !chat.logprobs {
            throw APIError.invalidValue(param: "top_logprobs", reason: "set logprobs to true to get top_logprobs")
        }
        let n = try core.mapping.choiceCount(chat.sampling)
        let plan = try GenerationPlan(
            prompts: [prompt], n: n, mapping: core.mapping, fields: chat.sampling,
            topLogprobs: chat.logprobs ? (chat.topLogprobs ?? 0) : nil, promptParam: "messages")
        let responder = GenerationResponder(core: core)
        let (id, run) = try responder.start(plan, idPrefix: "chatcmpl", arrival: arrival)
        let created = ServerCore.unixTime
        if chat.stream {
            let encoder = ChatChunkEncoder(
                id: id, created: created, model: core.model.name, choiceCount: n, choicesPerPrompt: n,
                includeUsage: chat.includeUsage, logprobs: chat.logprobs, tokenizer: core.model.tokenizer)
            return responder.stream(run, request: request, timeout: plan.timeout, encoder: encoder)
        }
        let results = try await responder.collect(run, request: request, timeout: plan.timeout)
        return try .generationJSON(ChatCompletionJSON(
            id: id, created: created, model: core.model.name,
            choices: results.enumerated().map { index, result in
                .init(
                    index: index, message: .init(content: result.text),
                    logprobs: chat.logprobs ? ChatLogprobsJSON(result.tokens, tokenizer: core.model.tokenizer) : nil,
                    finish_reason: result.finish.openAIReason)
            },
            usage: UsageJSON(results: results, choicesPerPrompt: n)))
    }
}
