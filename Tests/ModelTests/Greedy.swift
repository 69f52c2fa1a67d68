// Greedy generation over a CPU model for tests: one sequence, KV slots 1, 2, 3, ...
import Attention
import Model

enum Greedy {
    static func argmax(_ values: ArraySlice<Float>) -> Int32 {
        var best = values.startIndex
        for i in values.indices where values[i] > values[best] { best = i }
        return Int32(best - values.startIndex)
    }

    /// Prefills `prompt` in one step, then decodes one token per step until `stop` or `steps` tokens.
    static func generate(_ model: CPULlamaModel, prompt: [Int32], steps: Int, stop: Int32? = nil,
                         firstSlot: Int32 = 1) -> [Int32] {
        var slots = (0 ..< prompt.count).map { firstSlot + Int32($0) }
        var batch = ForwardBatch(tokens: prompt, attention: AttentionBatch(sequences: [(0, slots)]))
        var output: [Int32] = []
        for _ in 0 ..< steps {
            let logits = model.logits(batch)
            let next = argmax(logits[...])
            output.append(next)
            if next == stop { break }
            let cached = slots.count
            slots.append(firstSlot + Int32(cached))
            batch = ForwardBatch(tokens: [next], attention: AttentionBatch(sequences: [(cached, slots)]))
        }
        return output
    }
}
