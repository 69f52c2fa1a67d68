// The CPU reference attention: float32, exact softmax over the paged KV pool, causal, GQA.
// Each (query token, head) pair is independent, so work is split over the cores by token.

import Dispatch
import KVCache

public final class CPUAttentionBackend: AttentionBackend {
    public typealias Tensor = HostBuffer<Float>
    public typealias Metadata = CPUAttentionMetadata

    public let shape: AttentionShape
    public let pool: HostKVPool<Float>
    /// Threads the work is split over (the machine's cores by default).
    public let threads: Int

    public init(shape: AttentionShape, pool: HostKVPool<Float>, threads: Int = HostThreads.count) {
        precondition(pool.shape.layers == shape.layers && pool.shape.kvHeads == shape.kvHeads
                     && pool.shape.headDim == shape.headDim,
                     "CPUAttentionBackend: pool \(pool.shape) does not match attention \(shape)")
        self.shape = shape
        self.pool = pool
        self.threads = max(1, threads)
    }

    public func makeGraphBuffers(maxBatch: Int, maxContext: Int) -> CPUAttentionMetadata {
        CPUAttentionMetadata(maxBatch: maxBatch, maxContext: maxContext)
    }

    public func prepareMetadata(for batch: AttentionBatch, into buffers: CPUAttentionMetadata) {
        buffers.write(batch)
    }

    public func forward(q: HostBuffer<Float>, k: HostBuffer<Float>, v: HostBuffer<Float>,
                        output: HostBuffer<Float>, layer: Int, batch: CPUAttentionMetadata) {
        let tokens = batch.tokenCount
        precondition(q.count >= tokens * shape.queryWidth && output.count >= tokens * shape.queryWidth,
                     "CPUAttentionBackend: q/output hold fewer than \(tokens) rows of \(shape.queryWidth)")
        precondition(k.count >= tokens * shape.kvWidth && v.count >= tokens * shape.kvWidth,
                     "CPUAttentionBackend: k/v hold fewer than \(tokens) rows of \(shape.kvWidth)")
        batch.slots.withUnsafeBufferPointer { slots in
            pool.store(layer: layer, slots: slots,
                       keys: UnsafeBufferPointer(start: k.pointer, count: tokens * shape.kvWidth),
                       values: UnsafeBufferPointer(start: v.pointer, count: tokens * shape.kvWidth))
        }
        let kernel = CPUAttentionKernel(shape: shape, keys: pool.keys(layer: layer).baseAddress!,
                                        values: pool.values(layer: layer).baseAddress!,
                                        q: q.pointer, output: output.pointer)
        // Sequence and position of each query row.
        var rows: [(sequence: Int, position: Int)] = []
        rows.reserveCapacity(tokens)
        var work = 0
        for s in 0 ..< batch.sequenceCount {
            for i in 0 ..< batch.newTokenCounts[s] {
                rows.append((s, batch.cachedLengths[s] + i))
                work += batch.cachedLengths[s] + i + 1
            }
        }
        // Small steps (a short decode) cost less than waking a second thread.
        let chunks = work * shape.queryWidth < 1 << 17 ? 1 : min(threads, tokens)
        rows.withUnsafeBufferPointer { rows in
            HostThreads.parallelFor(chunks) { chunk in
                var scores = [Float](repeating: 0, count: batch.maxContext)
                for row in stride(from: chunk, to: tokens, by: chunks) {
                    let (sequence, position) = rows[row]
                    kernel.attend(row: row, context: position + 1, scores: &scores) {
                        batch.slot(sequence: sequence, position: $0)
                    }
                }
            }
        }
    }
}
