// The real SmolLM2-135M-Instruct (Q4_1 GGUF) on the CPU backend, greedy, no BOS, generates
// exactly the tokens a float32 numpy reference on the dequantized weights generates
// (scripts/reference/smollm2_greedy.py).
import Foundation
import Testing
import Attention
import Model

@Suite(.serialized) struct SmolLM2GenerationTests {
    // Loaded once; the suite is serialized, so one test at a time uses it.
    nonisolated(unsafe) static let model: Result<CPULlamaModel, any Error> = Result {
        try CPULlamaModel.cpu(checkpoint: GGUFCheckpoint(path: ModelFiles.smolLM2()), kvSlots: 512)
    }

    @Test func answersTheCapitalOfFrance() throws {
        let model = try Self.model.get()
        // "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
        let prompt: [Int32] = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
        let generated = Greedy.generate(model, prompt: prompt, steps: 12, stop: 2)
        // "The capital of France is Paris." <|im_end|>
        #expect(generated == [504, 3575, 282, 4649, 314, 7042, 30, 2])
    }

    @Test func continuesTheStory() throws {
        let model = try Self.model.get()
        // "Once upon a time, there was a little"
        let prompt: [Int32] = [6403, 1980, 253, 655, 28, 665, 436, 253, 1838]
        let clock = ContinuousClock()
        let start = clock.now
        let generated = Greedy.generate(model, prompt: prompt, steps: 24)
        let seconds = (clock.now - start) / .seconds(1)
        print("SmolLM2 CPU: 9-token prefill + 24 tokens in \(seconds) s (\(Double(24) / seconds) tokens/s overall)")
        // " girl named Emma who loved to play in the sun. She would often go to the beach and play with her friends."
        #expect(generated == [8180, 3365, 20391, 617, 5732, 288, 1238, 281, 260, 2388, 30, 2306, 736, 1129, 685,
                              288, 260, 10724, 284, 1238, 351, 874, 2428, 30])
    }

    /// Decode speed, measured and printed (DESIGN.md asks ≥ 30 tokens/s on a 2-core machine in
    /// release builds; llama.cpp does 151). In this suite so that nothing else uses the model meanwhile.
    @Test(.enabled(if: KernelFlavor.preferred == .simd, "speed is measured in optimized builds (swift test -c release)"))
    func decodeSpeed() throws {
        let model = try Self.model.get()
        let prompt: [Int32] = [6403, 1980, 253, 655, 28, 665, 436, 253, 1838]
        _ = Greedy.generate(model, prompt: prompt, steps: 2, firstSlot: 100)  // warm up caches and threads
        let steps = 48
        let clock = ContinuousClock()
        let prefillStart = clock.now
        _ = Greedy.generate(model, prompt: prompt, steps: 1, firstSlot: 200)
        let prefill = clock.now - prefillStart
        let start = clock.now
        let cpuStart = Self.processCPUSeconds()
        let generated = Greedy.generate(model, prompt: prompt, steps: steps + 1, firstSlot: 300)
        let cpuSeconds = Self.processCPUSeconds() - cpuStart
        let seconds = (clock.now - start - prefill) / .seconds(1)
        // Wall time depends on what else the machine runs; CPU time per token does much less.
        print("SmolLM2-135M Q4_1 CPU decode: \(Double(steps) / seconds) tokens/s wall, "
              + "\(1000 * cpuSeconds / Double(steps + 1)) CPU-ms per token (incl. prefill share), "
              + "\(HostThreads.count) threads, prefill of 9 tokens in \(prefill)")
        #expect(generated.count == steps + 1)
    }

    /// CPU time of the whole process (all threads).
    static func processCPUSeconds() -> Double {
        Double(clock()) / Double(CLOCKS_PER_SEC)
    }
}
