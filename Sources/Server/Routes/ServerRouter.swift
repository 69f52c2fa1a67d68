// The route table. Handlers stay thin: each lives in its own type; errors of every kind
// become OpenAI error JSON in ErrorMiddleware.
import Hummingbird

enum ServerRouter {
    static func make(_ core: ServerCore) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware(bodyLimit: core.configuration.maxRequestBytes))
        let chat = ChatCompletionsRoute(core: core)
        let completions = CompletionsRoute(core: core)
        let generate = GenerateRoute(core: core)
        let tokenizer = TokenizerRoutes(core: core)
        let operations = OperationsRoutes(core: core)
        router.post("/v1/chat/completions") { request, _ in try await chat.handle(request) }
        router.post("/v1/completions") { request, _ in try await completions.handle(request) }
        router.get("/v1/models") { _, _ in try tokenizer.models() }
        router.post("/generate") { request, _ in try await generate.handle(request) }
        router.post("/tokenize") { request, _ in try await tokenizer.tokenize(request) }
        router.post("/detokenize") { request, _ in try await tokenizer.detokenize(request) }
        router.get("/health") { _, _ in try operations.health() }
        router.get("/metrics") { _, _ in operations.metrics() }
        return router
    }
}
