// What every handler needs: the engine, the model, limits, metrics and the lifecycle state.
import Engine
import Foundation

struct ServerCore: Sendable {
    let engine: any InferenceEngine
    let model: ServedModel
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let lifecycle: LifecycleState

    var mapping: SamplingMapping {
        SamplingMapping(model: model, contextLength: engine.contextLength, configuration: configuration)
    }

    var prompts: PromptBuilder { PromptBuilder(model: model) }

    /// Rejects a `model` other than the one served (absent means the served one).
    func checkModel(_ requested: String?) throws(APIError) {
        if let requested, requested != model.name { throw .unknownModel(requested, served: model.name) }
    }

    /// Refuses new work once shutdown has begun (the engine would refuse it too).
    func checkAcceptingWork() throws(APIError) {
        if lifecycle.isShuttingDown { throw .shuttingDown }
    }

    static var unixTime: Int { Int(Date().timeIntervalSince1970) }
}
