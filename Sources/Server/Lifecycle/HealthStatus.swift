// GET /health: ok (200), engine stalled (500: work waits but no step ran for a while) or
// shutting down (503), told apart by status code and by the `status` field of the body.
import Engine
import Hummingbird

enum HealthStatus: Equatable {
    case ok
    case stalled(secondsSinceLastStep: Double)
    case shuttingDown

    static func evaluate(_ stats: EngineStats, shuttingDown: Bool, stallSeconds: Double) -> HealthStatus {
        if shuttingDown { return .shuttingDown }
        let hasWork = stats.runningRequests + stats.waitingRequests > 0
        if hasWork && stats.secondsSinceLastStep > stallSeconds {
            return .stalled(secondsSinceLastStep: stats.secondsSinceLastStep)
        }
        return .ok
    }

    var httpStatus: HTTPResponse.Status {
        switch self {
        case .ok: return .ok
        case .stalled: return .internalServerError
        case .shuttingDown: return .serviceUnavailable
        }
    }

    struct Body: Encodable {
        var status: String
        var message: String
        var running_requests: Int
        var waiting_requests: Int
        var seconds_since_last_step: Double
    }

    func body(_ stats: EngineStats, stallSeconds: Double) -> Body {
        let (status, message): (String, String)
        switch self {
        case .ok:
            (status, message) = ("ok", "serving")
        case .stalled(let seconds):
            (status, message) = (
                "engine_stalled",
                "requests are waiting but the engine ran no step for \(Int(seconds)) s (limit \(Int(stallSeconds)) s): restart the server"
            )
        case .shuttingDown:
            (status, message) = ("shutting_down", "the server is shutting down: send requests elsewhere")
        }
        return Body(
            status: status, message: message, running_requests: stats.runningRequests,
            waiting_requests: stats.waitingRequests, seconds_since_last_step: stats.secondsSinceLastStep)
    }
}
