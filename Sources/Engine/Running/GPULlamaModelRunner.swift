// The eager runner on the GPU: the Llama forward on the CUDA op set with the FA3 backend,
// logits read back to the host for the CPU sampler. The engine loop runs on its own
// thread, so the CUDA context is made current there on every step (a cheap driver call).

import Attention
import CUDA
import Kernels
import Model

public final class GPULlamaModelRunner: ModelRunner {
    public let model: LlamaModel<CUDAModelOps, FA3AttentionBackend>
    private let context: CUDAContext

    public init(model: LlamaModel<CUDAModelOps, FA3AttentionBackend>, context: CUDAContext) {
        self.model = model
        self.context = context
    }

    public var vocabSize: Int { model.config.vocabSize }

    public func forward(_ batch: ForwardBatch) -> HostLogits {
        do {
            try context.bind()
            let logits = model.logits(batch)
            try model.ops.checkError()
            try model.attention.checkError()
            return HostLogits(values: logits, vocabSize: model.config.vocabSize)
        } catch {
            // A failed launch or a kernel fault leaves the CUDA context unusable: nothing
            // later can run, so stop loudly with the driver's own words.
            fatalError("GPU step failed (\(batch.tokenCount) tokens, \(batch.attention.sequenceCount) sequences): \(error)")
        }
    }
}
