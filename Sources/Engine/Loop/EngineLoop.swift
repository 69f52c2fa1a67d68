// The engine's own thread: take new requests and aborts, run a step, publish the stats,
// sleep when there is nothing to do; at shutdown, drain until idle or the deadline, then
// abort what is left.

import Foundation

final class EngineLoop<Runner: ModelRunner, Sampler: TokenSampler> where Runner.Logits == Sampler.Logits {
    private let core: EngineCore<Runner, Sampler>
    /// Held strongly: the loop runs until `shutdown`, whoever else lets go of the engine.
    private let engine: Engine

    init(core: EngineCore<Runner, Sampler>, engine: Engine) {
        self.core = core
        self.engine = engine
    }

    func start() {
        // The loop owns the core and the model from here on; nothing else touches them.
        let handOff = LoopHandOff(run: run)
        let thread = Thread { handOff.run() }
        thread.name = "flashserve-engine"
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func run() {
        while true {
            let mail = engine.takeMail()
            for submission in mail.submissions {
                core.accept(RequestState(key: submission.key, request: submission.request, seed: submission.seed,
                                         events: submission.events))
            }
            for order in mail.aborts { core.abort(id: order.id, key: order.key) }
            if let deadline = mail.shutdownDeadline, core.isIdle || ContinuousClock.now >= deadline {
                core.abortAll()
                engine.publish(core.stats, stepped: false)
                break
            }
            let stepped = core.isIdle ? false : core.step { engine.publish(core.stats, stepped: false) }
            engine.publish(core.stats, stepped: stepped)
            // Waiting requests that cannot be admitted yet also wait here: only a finish
            // (inside a step) or new mail can change that.
            if !stepped {
                if mail.shutdownDeadline == nil { engine.waitForMail() } else { Thread.sleep(forTimeInterval: 0.001) }
            }
        }
        engine.loopEnded()
    }
}

/// Carries the loop's entry point onto its thread. Unchecked: the loop and everything it
/// owns are used by that thread alone once it starts.
private struct LoopHandOff: @unchecked Sendable {
    let run: () -> Void
}
