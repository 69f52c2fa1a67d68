// The runner over a tensor-parallel model on the CPU: every rank runs the step on its own
// thread (TensorParallelCPUModel), rank 0's gathered logits go to the sampler. The engine
// sees one model with the whole vocabulary; the ranks share the engine's KV slots.

import Model

public final class TensorParallelModelRunner: ModelRunner {
    public let model: TensorParallelCPUModel

    public init(model: TensorParallelCPUModel) {
        self.model = model
    }

    public var vocabSize: Int { model.config.vocabSize }

    public func forward(_ batch: ForwardBatch) -> HostLogits {
        HostLogits(values: model.logits(batch), vocabSize: model.config.vocabSize)
    }
}
