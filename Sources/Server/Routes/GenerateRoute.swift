// POST /generate: the native API — text or token ids in; token ids and text out.
import Hummingbird

struct GenerateRoute: Sendable {
    let core: ServerCore

    func handle(_ request: Request) async throws -> Response {
        let arrival = ContinuousClock.now
        var request = request
        let body = try await RequestBodyReader.collect(&request, limit: core.configuration.maxRequestBytes)
        let generate = try RequestDecoder.decode(GenerateRequest.self, from: body)
        let (prompt, promptParam): ([Int32], String)
        switch generate.input {
        case .text(let text): (prompt, promptParam) = (try core.prompts.encodeText(text, param: "text"), "text")
        case .tokens(let ids): (prompt, promptParam) = (try core.prompts.tokenIDs(ids, param: "input_ids"), "input_ids")
        }
        let n = try core.mapping.choiceCount(generate.sampling)
        let plan = try GenerationPlan(
            prompts: [prompt], n: n, mapping: core.mapping, fields: generate.sampling,
            topLogprobs: generate.logprobs, logprobsParam: "logprobs", promptParam: promptParam)
        let responder = GenerationResponder(core: core)
        let (id, run) = try responder.start(plan, idPrefix: "gen", arrival: arrival)
        let wantsLogprobs = generate.logprobs != nil
        if generate.stream {
            let encoder = GenerateChunkEncoder(id: id, choicesPerPrompt: n, logprobs: wantsLogprobs)
            return responder.stream(run, request: request, timeout: plan.timeout, encoder: encoder)
        }
        let results = try await responder.collect(run, request: request, timeout: plan.timeout)
        return try .generationJSON(GenerateJSON(
            id: id, object: "generation",
            choices: results.enumerated().map { index, result in
                .init(
                    index: index, text: result.text, token_ids: result.tokens.map(\.id),
                    finish_reason: result.finish.openAIReason,
                    logprobs: wantsLogprobs ? result.tokens.map(GenerateJSON.TokenLogprob.init) : nil)
            },
            usage: UsageJSON(results: results, choicesPerPrompt: n)))
    }
}
