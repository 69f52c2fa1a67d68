// Runs a plan and answers: a whole JSON body, or an SSE stream. Both watch the connection,
// so a client that goes away has its request aborted (and its KV freed) at once.
import Hummingbird

struct GenerationResponder: Sendable {
    let core: ServerCore

    func start(_ plan: GenerationPlan, idPrefix: String, arrival: ContinuousClock.Instant) throws(APIError) -> (String, GenerationRun) {
        try core.checkAcceptingWork()
        let id = core.lifecycle.makeRequestID(prefix: idPrefix)
        let run = try GenerationRun(
            id: id, plan: plan, engine: core.engine, tokenizer: core.model.tokenizer, metrics: core.metrics, arrival: arrival)
        return (id, run)
    }

    /// Waits for every choice, aborting if the client disconnects; a timeout or a shutdown
    /// that cut the request short is an error, not a truncated answer.
    func collect(_ run: GenerationRun, request: Request, timeout: Double?) async throws -> [ChoiceResult] {
        let results = try await request.body.consumeWithInboundCloseHandler { _ in
            await run.collect()
        } onInboundClosed: {
            run.abort(.clientGone)
        }
        if results.contains(where: { $0.finish == .timedOut }) { throw APIError.timedOut(seconds: timeout ?? 0) }
        if results.contains(where: { $0.finish == .aborted }) { throw APIError.shuttingDown }
        return results
    }

    /// An SSE response that writes `encoder`'s chunks as the run produces them.
    func stream(_ run: GenerationRun, request: Request, timeout: Double?, encoder: some StreamChunkEncoder) -> Response {
        let body = ResponseBody { writer in
            var encoder = encoder
            do {
                try await request.body.consumeWithInboundCloseHandler { _ in
                    try await Self.writeEvents(of: run, encoder: &encoder, timeout: timeout, to: &writer)
                } onInboundClosed: {
                    run.abort(.clientGone)
                }
            } catch {
                // A failed write means the client is gone.
                run.abort(.clientGone)
                throw error
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: ServerSentEvents.headers, body: body)
    }

    private static func writeEvents(
        of run: GenerationRun, encoder: inout some StreamChunkEncoder, timeout: Double?, to writer: inout any ResponseBodyWriter
    ) async throws {
        for payload in try encoder.opening() { try await writer.write(ServerSentEvents.event(payload)) }
        var usage: [Int: ChoiceResult] = [:]
        var failure: APIError?
        for await event in run.events {
            if case .finished(let index, let finish, let choiceUsage) = event {
                usage[index, default: ChoiceResult()].usage = choiceUsage
                if finish == .timedOut { failure = .timedOut(seconds: timeout ?? 0) }
                if finish == .aborted, failure == nil { failure = .shuttingDown }
            }
            if let payload = try encoder.chunk(for: event) { try await writer.write(ServerSentEvents.event(payload)) }
        }
        if let failure {
            // The openai clients raise on a chunk that carries an `error` object.
            try await writer.write(ServerSentEvents.event(failure.jsonBytes))
        } else {
            let results = usage.keys.sorted().map { usage[$0]! }
            if let payload = try encoder.closing(usage: UsageJSON(results: results, choicesPerPrompt: encoder.choicesPerPrompt)) {
                try await writer.write(ServerSentEvents.event(payload))
            }
        }
        try await writer.write(ServerSentEvents.done)
    }
}

extension Response {
    /// Generation responses close their connection (see ServerSentEvents.headers).
    static func generationJSON(_ value: some Encodable) throws -> Response {
        var response = try JSONCoding.response(value)
        response.headers[.connection] = "close"
        return response
    }
}
