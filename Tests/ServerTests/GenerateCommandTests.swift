// `flashserve generate --json` from the built binary, on a folder holding only a config.json
// (no tokenizer, no weights: --load-format random and --token-ids), as
// scripts/gpu/hf_compare.py runs it. Needs `swift build --product flashserve` first.

import Foundation
import Testing

@Suite(.enabled(if: ServerBinary.isFresh, "build the binary first: swift build --product flashserve"))
struct GenerateCommandTests {
    /// A two-layer Llama config, alone in a fresh folder; `eos` is written as eos_token_id.
    static func configOnlyFolder(eos: Int? = nil) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("generate-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var config: [String: Any] = [
            "model_type": "llama", "vocab_size": 300, "hidden_size": 64, "intermediate_size": 128,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "max_position_embeddings": 512, "tie_word_embeddings": false,
        ]
        if let eos { config["eos_token_id"] = eos }
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        return folder.path
    }

    static func generate(_ folder: String, _ arguments: [String], stdoutOnly: Bool = true) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(ServerBinary.path, ["generate", "--model", folder, "--load-format", "random", "--weight-seed", "3",
                                                       "--device", "cpu", "--threads", "1"] + arguments, stdoutOnly: stdoutOnly)
    }

    static func report(_ output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last, "no output")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(output)")
    }

    @Test func jsonReportHasIdsGreedyConsistentLogprobsAndTiming() async throws {
        let folder = try Self.configOnlyFolder()
        let (status, output) = try await Self.generate(folder, ["--token-ids", "5,17,42,8", "--max-tokens", "6", "--ignore-eos",
                                                                "--json", "--top-logprobs", "4"])
        #expect(status == 0, "\(output)")
        let report = try Self.report(output)
        #expect(report["prompt_ids"] as? [Int] == [5, 17, 42, 8])
        #expect(report["finish_reason"] as? String == "length")
        #expect((report["device"] as? String)?.contains("CPU") == true)
        let outputIDs = try #require(report["output_ids"] as? [Int])
        let steps = try #require(report["steps"] as? [[String: Any]])
        #expect(outputIDs.count == 6 && steps.count == 6)
        for (id, step) in zip(outputIDs, steps) {
            #expect(step["id"] as? Int == id)
            let top = try #require(step["top_logprobs"] as? [[String: Any]])
            let values = top.compactMap { $0["logprob"] as? Double }
            #expect(values.count == 4)
            #expect(values == values.sorted(by: >), "alternatives best first")
            #expect(values.allSatisfy { $0 <= 0 } && values.reduce(0) { $0 + exp($1) } <= 1.000_01)
            // Greedy: the chosen token is the best alternative, with the same log-probability.
            #expect(top.first?["id"] as? Int == id)
            #expect(step["logprob"] as? Double == values.first)
        }
        let timing = try #require(report["timing"] as? [String: Any])
        #expect((timing["load_seconds"] as? Double ?? -1) > 0)
        #expect((timing["generate_seconds"] as? Double ?? -1) >= (timing["time_to_first_token_seconds"] as? Double ?? .infinity))
        #expect((timing["decode_tokens_per_second"] as? Double ?? 0) > 0)
    }

    @Test func withoutTopLogprobsStepsCarryOnlyIDs() async throws {
        let folder = try Self.configOnlyFolder()
        let (status, output) = try await Self.generate(folder, ["--token-ids", "5,17", "--max-tokens", "3", "--ignore-eos", "--json"])
        #expect(status == 0, "\(output)")
        let steps = try #require(try Self.report(output)["steps"] as? [[String: Any]])
        #expect(steps.count == 3)
        #expect(steps.allSatisfy { $0.keys.sorted() == ["id"] }, "\(steps)")
    }

    /// Without a tokenizer the stop ids come from config.json: make the first greedy token
    /// the end-of-sequence id and generation stops before emitting anything.
    @Test func stopsAtTheConfigsEOSWithoutATokenizer() async throws {
        let (_, first) = try await Self.generate(try Self.configOnlyFolder(), ["--token-ids", "5,17", "--max-tokens", "1", "--json"])
        let firstID = try #require((try Self.report(first)["output_ids"] as? [Int])?.first)
        let (status, output) = try await Self.generate(try Self.configOnlyFolder(eos: firstID),
                                                       ["--token-ids", "5,17", "--max-tokens", "4", "--json"])
        #expect(status == 0, "\(output)")
        let report = try Self.report(output)
        #expect(report["finish_reason"] as? String == "stop")
        #expect(report["output_ids"] as? [Int] == [])
    }

    @Test func textPromptOrTopLogprobsWithoutJSONAreRefusedWithAWayOut() async throws {
        let folder = try Self.configOnlyFolder()
        let (textStatus, text) = try await Self.generate(folder, ["Hello"], stdoutOnly: false)
        #expect(textStatus != 0)
        #expect(text.contains("no tokenizer") && text.contains("--token-ids"), "\(text)")
        let (topStatus, top) = try await Self.generate(folder, ["--token-ids", "5", "--top-logprobs", "3"], stdoutOnly: false)
        #expect(topStatus != 0)
        #expect(top.contains("add --json"), "\(top)")
    }
}
