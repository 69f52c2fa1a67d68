// GET /v1/models, POST /tokenize and POST /detokenize: answered from the tokenizer alone.
import Hummingbird

struct TokenizerRoutes: Sendable {
    let core: ServerCore

    func models() throws -> Response {
        try JSONCoding.response(ModelListJSON(data: [
            .init(id: core.model.name, created: core.model.created, max_model_len: core.engine.contextLength)
        ]))
    }

    func tokenize(_ request: Request) async throws -> Response {
        var request = request
        let body = try await RequestBodyReader.collect(&request, limit: core.configuration.maxRequestBytes)
        let tokenize = try RequestDecoder.decode(TokenizeRequest.self, from: body)
        try core.checkModel(tokenize.model)
        let tokens: [Int32]
        switch tokenize.input {
        case .text(let text):
            tokens = core.model.tokenizer.encode(text, addSpecialTokens: tokenize.addSpecialTokens)
        case .messages(let messages, let addGenerationPrompt):
            tokens = try core.prompts.chatPrompt(messages, addGenerationPrompt: addGenerationPrompt)
        }
        return try JSONCoding.response(TokenizeJSON(tokens: tokens, count: tokens.count, max_model_len: core.engine.contextLength))
    }

    func detokenize(_ request: Request) async throws -> Response {
        var request = request
        let body = try await RequestBodyReader.collect(&request, limit: core.configuration.maxRequestBytes)
        let detokenize = try RequestDecoder.decode(DetokenizeRequest.self, from: body)
        try core.checkModel(detokenize.model)
        let ids = try core.prompts.tokenIDs(detokenize.tokens, param: "tokens", allowEmpty: true)
        return try JSONCoding.response(DetokenizeJSON(
            prompt: core.model.tokenizer.decode(ids, skipSpecialTokens: detokenize.skipSpecialTokens)))
    }
}
