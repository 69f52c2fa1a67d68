// What a run's tasks share: why it was aborted (the first reason wins) and which choices the
// engine has already finished (those are never aborted again: the engine forgot them).
import Engine
import Synchronization

final class RunState: Sendable {
    private struct Fields {
        var abortReason: GenerationRun.AbortReason?
        var finished: Set<Int> = []
    }
    private let fields = Mutex(Fields())

    var abortReason: GenerationRun.AbortReason? { fields.withLock { $0.abortReason } }

    func markFinished(_ index: Int) {
        fields.withLock { _ = $0.finished.insert(index) }
    }

    /// The ids (by choice index) of choices still running.
    func unfinished(_ ids: [String]) -> [String] {
        fields.withLock { fields in ids.indices.filter { !fields.finished.contains($0) }.map { ids[$0] } }
    }

    /// Aborts the unfinished choices, unless the run was already aborted.
    func abort(_ reason: GenerationRun.AbortReason, ids: [String], engine: any InferenceEngine) {
        let toAbort = fields.withLock { fields -> [String] in
            guard fields.abortReason == nil else { return [] }
            fields.abortReason = reason
            return ids.indices.filter { !fields.finished.contains($0) }.map { ids[$0] }
        }
        for id in toAbort { engine.abort(id: id) }
    }
}
