// GET /health and GET /metrics: what operators and load balancers poll.
import Hummingbird

struct OperationsRoutes: Sendable {
    let core: ServerCore

    func health() throws -> Response {
        let stats = core.engine.stats
        let status = HealthStatus.evaluate(
            stats, shuttingDown: core.lifecycle.isShuttingDown, stallSeconds: core.configuration.stallSeconds)
        return try JSONCoding.response(status.body(stats, stallSeconds: core.configuration.stallSeconds), status: status.httpStatus)
    }

    func metrics() -> Response {
        let text = core.metrics.render(engine: core.engine.stats)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
