// `flashserve generate`: one prompt through the engine (CPU reference backend or the GPU),
// streaming the text as it is generated, then a one-line summary on stderr; or, with
// --json, one JSON object with the ids, per-step log-probabilities and timing.

import ArgumentParser
import ChatTemplate
import Engine
import Foundation
import Model
import Server
import Tokenizer

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a prompt (greedy unless sampling options are given).")

    @Option(help: "A .gguf file or Hugging Face model folder (default: SmolLM2-135M-Instruct).")
    var model: String?

    @Argument(help: "The prompt text (as is, unless --chat).")
    var prompt: String?

    @Flag(help: "Send the prompt as one user message through the model's chat template.")
    var chat = false

    @Option(name: .customLong("token-ids"), help: "The prompt as comma-separated token ids; the output is printed as ids too.")
    var tokenIDs: String?

    @Option(name: .customLong("max-tokens"), help: "New tokens to generate at most.")
    var maxTokens = 128

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(name: .customLong("top-p"), help: "Nucleus sampling: keep the most likely tokens up to this mass (1: off).")
    var topP: Float = 1

    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0: off).")
    var topK = 0

    @Option(name: .customLong("min-p"), help: "Drop tokens less likely than this fraction of the top one (0: off).")
    var minP: Float = 0

    @Option(name: .customLong("repetition-penalty"), help: "> 1 discourages tokens of the prompt and output (1: off).")
    var repetitionPenalty: Float = 1

    @Option(name: .customLong("frequency-penalty"), help: "Subtracted once per earlier occurrence in the output.")
    var frequencyPenalty: Float = 0

    @Option(name: .customLong("presence-penalty"), help: "Subtracted once from every token already in the output.")
    var presencePenalty: Float = 0

    @Option(help: "Seed for sampling (default: random).")
    var seed: UInt64?

    @Flag(name: .customLong("ignore-eos"), help: "Keep generating past end-of-sequence tokens.")
    var ignoreEOS = false

    @Option(name: .customLong("kv-tokens"), help: "Token slots in the CPU KV pool.")
    var kvTokens = 4096

    @Option(help: "CPU threads for the model (default: all cores).")
    var threads: Int?

    @Option(help: "Where to run: auto (the GPU when the FA3 backend can run there), cpu or gpu.")
    var device = EngineDevice.auto

    @OptionGroup var load: LoadArguments

    @Option(name: .customLong("tp"), help: "Tensor-parallel ranks the model is split over (more than 1: CPU only for now).")
    var tensorParallel = 1

    @OptionGroup(title: "GPU engine")
    var gpu: GPUArguments

    @Flag(help: "Print one JSON object (prompt and output ids, per-step log-probabilities, timing) instead of the output.")
    var json = false

    @Option(name: .customLong("top-logprobs"),
            help: "With --json: each step's log-probability and this many most likely alternatives (0-20), from the raw logits.")
    var topLogprobs: Int?

    func validate() throws {
        guard let topLogprobs else { return }
        guard json else { throw ValidationError("--top-logprobs is reported only in the --json output; add --json") }
        guard (0 ... SamplingParams.maxTopLogprobs).contains(topLogprobs) else {
            throw ValidationError("--top-logprobs is \(topLogprobs); use 0...\(SamplingParams.maxTopLogprobs)")
        }
    }

    func run() async throws {
        let path = try model ?? DefaultModel.locate()
        let tokenizer = try loadTokenizer(path: path)
        let promptIDs = try promptTokens(tokenizer: tokenizer, modelPath: path)
        let clock = ContinuousClock(), loadStart = clock.now
        let checkpoint = try load.checkpoint(path: path)
        var options = CPUEngineOptions(kvTokens: kvTokens)
        if let threads { options.threads = threads }
        let choice = try device.makeEngine(checkpoint: checkpoint, cpuOptions: options, gpuOptions: gpu.options,
                                           configuration: EngineConfiguration(maxRunningRequests: 1, maxQueuedRequests: 1),
                                           tensorParallel: tensorParallel)
        let engine = choice.engine
        let load = clock.now - loadStart
        FileHandle.standardError.write(Data("device: \(choice.backend)\n".utf8))

        let start = clock.now
        let stream = try engine.submit(GenerationRequest(id: "generate", promptTokens: promptIDs,
                                                         sampling: sampling(stopTokens: stopTokens(tokenizer, modelPath: path))))
        var printer = json ? nil : TokenPrinter(tokenizer: tokenizer, asIDs: tokenIDs != nil)
        var tokens: [GeneratedToken] = []
        var firstToken: ContinuousClock.Instant?
        var usage = GenerationUsage(promptTokens: promptIDs.count, cachedPromptTokens: 0, completionTokens: 0)
        var reason = FinishReason.abort
        for await event in stream {
            switch event {
            case .token(let token):
                if firstToken == nil { firstToken = clock.now }
                tokens.append(token)
                printer?.print(token.id)
            case .finished(let why, let finalUsage):
                reason = why
                usage = finalUsage
            }
        }
        printer?.finish()
        await engine.shutdown(deadline: 1)
        let end = clock.now
        if json {
            let timing = GenerateReport.Timing(load: load, start: start, firstToken: firstToken, end: end,
                                               completionTokens: tokens.count)
            let report = GenerateReport(model: path, device: choice.backend, promptIDs: promptIDs, tokens: tokens,
                                        finishReason: reason, topLogprobsAsked: topLogprobs != nil, timing: timing)
            print(try report.encoded())
        }
        FileHandle.standardError.write(Data(summary(usage: usage, reason: reason, start: start, firstToken: firstToken, end: end).utf8))
    }

    /// The model's tokenizer. A folder without one (a bare config, or weights a script saved)
    /// is fine when the prompt comes as --token-ids: nothing needs text then.
    private func loadTokenizer(path: String) throws -> Tokenizer? {
        do {
            return try Tokenizer.load(path: path)
        } catch .noTokenizerInFolder {
            guard tokenIDs != nil else {
                throw ValidationError("\(path) has no tokenizer (tokenizer.json or a .gguf file): give the prompt as --token-ids")
            }
            return nil
        }
    }

    private func promptTokens(tokenizer: Tokenizer?, modelPath: String) throws -> [Int32] {
        switch (prompt, tokenIDs) {
        case (_?, _?): throw ValidationError("give either a prompt or --token-ids, not both")
        case (nil, nil): throw ValidationError("give a prompt, or --token-ids")
        case (let text?, nil):
            guard let tokenizer else {
                throw ValidationError("the model at \(modelPath) has no tokenizer (tokenizer.json or .gguf): give the prompt as --token-ids")
            }
            return chat ? try chatPrompt(text, tokenizer: tokenizer, modelPath: modelPath) : tokenizer.encode(text)
        case (nil, let list?):
            guard let ids: [Int32] = commaSeparatedIntegers(list), !ids.isEmpty else {
                throw ValidationError("--token-ids takes comma-separated integers, got \"\(list)\"")
            }
            return ids
        }
    }

    /// The prompt as one user turn of the model's template, ending where the assistant's turn starts.
    private func chatPrompt(_ text: String, tokenizer: Tokenizer, modelPath: String) throws -> [Int32] {
        guard let template = try ChatTemplateLocator.template(forModelAt: modelPath) else {
            throw ValidationError("the model at \(modelPath) has no chat template; drop --chat")
        }
        // The special tokens transformers passes every template.
        var extra: [String: TemplateValue] = [:]
        if let bos = tokenizer.specialTokens.bos, let spelling = tokenizer.token(for: bos) { extra["bos_token"] = .string(spelling) }
        if let eos = tokenizer.specialTokens.eos, let spelling = tokenizer.token(for: eos) { extra["eos_token"] = .string(spelling) }
        let rendered = try template.render(messages: [.user(text)], addGenerationPrompt: true, extra: extra)
        // The template wrote the special tokens it wants.
        return tokenizer.encode(rendered, addSpecialTokens: false)
    }

    /// End of sequence and end of turn; without a tokenizer, the eos ids the folder's configs name.
    private func stopTokens(_ tokenizer: Tokenizer?, modelPath: String) -> [Int32] {
        guard let tokenizer else { return ConfigStopTokens.read(folder: modelPath) }
        return tokenizer.specialTokens.endOfTurn + (tokenizer.specialTokens.eos.map { [$0] } ?? [])
    }

    private func sampling(stopTokens: [Int32]) -> SamplingParams {
        var params = SamplingParams()
        params.temperature = temperature
        params.topP = topP
        params.topK = topK
        params.minP = minP
        params.repetitionPenalty = repetitionPenalty
        params.frequencyPenalty = frequencyPenalty
        params.presencePenalty = presencePenalty
        params.seed = seed
        params.maxNewTokens = maxTokens
        params.stopTokenIDs = Set(stopTokens)
        params.ignoreStopTokens = ignoreEOS
        params.topLogprobs = topLogprobs
        return params
    }

    private func summary(usage: GenerationUsage, reason: FinishReason, start: ContinuousClock.Instant,
                         firstToken: ContinuousClock.Instant?, end: ContinuousClock.Instant) -> String {
        let total = (end - start) / .seconds(1)
        var line = "[\(usage.promptTokens) prompt tokens, \(usage.completionTokens) generated in \(String(format: "%.2f", total)) s"
        if let firstToken {
            let prefill = (firstToken - start) / .seconds(1)
            let decode = (end - firstToken) / .seconds(1)
            line += String(format: "; first token after %.2f s (%.1f prompt tokens/s)", prefill, Double(usage.promptTokens) / prefill)
            if usage.completionTokens > 1 && decode > 0 {
                line += String(format: "; decode %.1f tokens/s", Double(usage.completionTokens - 1) / decode)
            }
        }
        return line + "; finished: \(reason.rawValue)]\n"
    }
}

/// Writes generated tokens to stdout as they come: text through the incremental
/// detokenizer (never half a character), or ids (always, when there is no tokenizer).
private struct TokenPrinter {
    var detokenizer: IncrementalDetokenizer?
    var printedAny = false

    init(tokenizer: Tokenizer?, asIDs: Bool) {
        detokenizer = asIDs ? nil : tokenizer?.makeIncrementalDetokenizer(skipSpecialTokens: true)
    }

    mutating func print(_ id: Int32) {
        if let text = detokenizer?.feed(id) {
            write(text)
        } else {
            write((printedAny ? "," : "") + String(id))
            printedAny = true
        }
    }

    mutating func finish() {
        if let rest = detokenizer?.finish() { write(rest) }
        write("\n")
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
