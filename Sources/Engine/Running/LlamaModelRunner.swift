// The eager runner over a LlamaModel on any device whose logits are read back to the host:
// attention metadata sized for each step, the forward, the logits copied out.

import Attention
import Model

public final class LlamaModelRunner<Ops: ModelOps, Backend: AttentionBackend>: ModelRunner where Backend.Tensor == Ops.Tensor {
    public let model: LlamaModel<Ops, Backend>

    public init(model: LlamaModel<Ops, Backend>) {
        self.model = model
    }

    public var vocabSize: Int { model.config.vocabSize }

    public func forward(_ batch: ForwardBatch) -> HostLogits {
        HostLogits(values: model.logits(batch), vocabSize: model.config.vocabSize)
    }
}
