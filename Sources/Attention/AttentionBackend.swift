// The attention backend seam (DESIGN.md §3): three requirements. Backends differ in their
// tensor type (host floats, device pointers) and in their metadata, which each owns.

public protocol AttentionBackend: AnyObject {
    /// The activation buffer the model's ops produce q, k, v in and read the output from.
    associatedtype Tensor
    /// Per-step metadata in this backend's own buffers (for CUDA: device memory that a
    /// captured graph reads, so it is written in place, never reallocated).
    associatedtype Metadata

    var shape: AttentionShape { get }

    /// Allocates metadata buffers for up to `maxBatch` sequences of up to `maxContext`
    /// tokens: once per graph bucket for capture and replay, or freshly sized for an eager step.
    func makeGraphBuffers(maxBatch: Int, maxContext: Int) -> Metadata

    /// Writes the step's metadata into `buffers`, in place. The one metadata path for
    /// eager runs, graph capture and replay.
    func prepareMetadata(for batch: AttentionBatch, into buffers: Metadata)

    /// Stores this layer's new k/v rows into the KV pool at the batch's slots, then
    /// attends each new query token over its sequence's cached and new tokens (causal).
    /// q/output: [tokens, heads * headDim]; k/v: [tokens, kvHeads * headDim].
    /// Decode and extend are chosen inside.
    func forward(q: Tensor, k: Tensor, v: Tensor, output: Tensor, layer: Int, batch: Metadata)
}

extension AttentionBackend {
    /// Eager convenience: metadata freshly sized for this batch.
    public func makeMetadata(for batch: AttentionBatch) -> Metadata {
        let buffers = makeGraphBuffers(maxBatch: batch.sequenceCount, maxContext: batch.maxContextLength)
        prepareMetadata(for: batch, into: buffers)
        return buffers
    }
}
