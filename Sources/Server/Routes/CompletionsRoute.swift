// POST /v1/completions: decode → encode the prompt(s) → plan → run → answer.
import Hummingbird

struct CompletionsRoute: Sendable {
    let core: ServerCore

    func handle(_ request: Request) async throws -> Response {
        let arrival = ContinuousClock.now
        var request = request
        let body = try await RequestBodyReader.collect(&request, limit: core.configuration.maxRequestBytes)
        let completion = try RequestDecoder.decode(CompletionRequest.self, from: body)
        try core.checkModel(completion.model)
        let prompts = try core.prompts.completionPrompts(completion.prompt)
        let n = try core.mapping.choiceCount(completion.sampling)
        let plan = try GenerationPlan(
            prompts: prompts, n: n, mapping: core.mapping, fields: completion.sampling,
            topLogprobs: completion.logprobs, logprobsParam: "logprobs", promptParam: "prompt")
        // Echo returns each choice's prompt text before its completion.
        let echoes: [String]? = completion.echo
            ? plan.choices.map { core.model.tokenizer.decode($0.promptTokens, skipSpecialTokens: plan.skipSpecialTokens) }
            : nil
        let responder = GenerationResponder(core: core)
        let (id, run) = try responder.start(plan, idPrefix: "cmpl", arrival: arrival)
        let created = ServerCore.unixTime
        let wantsLogprobs = completion.logprobs != nil
        if completion.stream {
            let encoder = CompletionChunkEncoder(
                id: id, created: created, model: core.model.name, choicesPerPrompt: n,
                includeUsage: completion.includeUsage, logprobs: wantsLogprobs, tokenizer: core.model.tokenizer,
                echoes: echoes)
            return responder.stream(run, request: request, timeout: plan.timeout, encoder: encoder)
        }
        let results = try await responder.collect(run, request: request, timeout: plan.timeout)
        return try .generationJSON(CompletionJSON(
            id: id, created: created, model: core.model.name,
            choices: results.enumerated().map { index, result in
                let echo = echoes?[index] ?? ""
                return .init(
                    index: index, text: echo + result.text,
                    logprobs: wantsLogprobs
                        ? CompletionLogprobsJSON(result.tokens, tokenizer: core.model.tokenizer, offset: echo.utf8.count) : nil,
                    finish_reason: result.finish.openAIReason)
            },
            usage: UsageJSON(results: results, choicesPerPrompt: n)))
    }
}
