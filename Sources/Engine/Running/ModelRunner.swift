// The seam between the engine and a model: a ForwardBatch in, logits out. The engine
// never sees weights, ops or attention metadata; a CUDA-graph runner is another conformer.

import Model

public protocol ModelRunner: AnyObject {
    /// What `forward` returns; the sampler the engine pairs with this runner reads it.
    associatedtype Logits
    var vocabSize: Int { get }
    /// Runs one step: stores the batch's new K/V at its slots and returns the logits of
    /// `batch.logitRows`, one row each, in that order.
    func forward(_ batch: ForwardBatch) -> Logits
}
