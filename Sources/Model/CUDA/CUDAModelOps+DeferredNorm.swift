// The norm after o and down, deferred to the product that reads it (decode steps).
//
// `linearAddRMSNorm` on the skinny path launches the add-squares kernel: the residual is
// updated, `normed` receives the weighted rows T(residual · weight) without the row's 1 / rms,
// and each CTA leaves its sums of squares. The op set remembers that `normed` is pending, and
// the next op decides:
//   - the skinny q/k/v + RoPE and gate/up kernels read it as their x and scale their dot
//     products (`DeferredRMSNorm`), and the serial tail the add-norm kernel's last CTA used to
//     run between two streams is gone;
//   - any other op settles it first (one small kernel writes the true rows into `normed`), so
//     no op ever reads the weighted rows as normed: `perform` does that for every op except
//     the ones that take part here.
// Host decisions only: eager steps and graph capture make the same ones, so a captured step
// launches the same kernels with the same arguments as the eager step.

import CUDA
import Kernels

/// A norm whose tensor is not written yet, and the tensor it belongs in.
struct PendingNorm {
    let norm: DeferredRMSNorm
    let normed: DeviceTensor
}

extension CUDAModelOps {
    /// Writes the pending norm into its tensor, if there is one.
    func settlePendingNorm() throws {
        guard let pending = pendingNorm else { return }
        pendingNorm = nil
        try fused.settle.launch(pending.norm, into: try output(pending.normed, activation), stream: stream)
    }

    /// The pending norm if `x` is its tensor and a skinny consumer of this shape can scale it;
    /// otherwise nil, after settling it if `x` is its tensor (the consumer then reads x).
    func deferredNorm(readAs x: DeviceTensor, rows: Int, inFeatures: Int, outFeatures: Int) throws -> DeferredRMSNorm? {
        guard let pending = pendingNorm, pending.normed === x else { return nil }
        guard pending.norm.feeds(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, dtype: activation) else {
            try settlePendingNorm()
            return nil
        }
        return pending.norm  // still pending: a later reader of x settles it
    }

    /// Before a projection updates the residual and the partials: a pending norm for another
    /// tensor is settled while its inputs are intact; one for `normed` is dropped (overwritten).
    func replacePendingNorm(writing normed: DeviceTensor) throws {
        if let pending = pendingNorm, pending.normed !== normed { try settlePendingNorm() }
        pendingNorm = nil
    }
}
