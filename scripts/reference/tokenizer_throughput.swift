// Encode throughput of FlashServe's tokenizer on one core, printed beside the Hugging Face
// `tokenizers` package's single-thread throughput measured in the same run, on the same corpus.
// Built and run by scripts/reference/tokenizer_throughput.sh (optimized, outside SwiftPM).
import Foundation
import Tokenizer

@main
struct TokenizerThroughput {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3 else {
            print("usage: tokenizer_throughput REPO_ROOT NAME... (llama3, qwen2.5, qwen3, smollm2)")
            exit(2)
        }
        let root = URL(fileURLWithPath: arguments[1])
        let corpusData = try Data(contentsOf: root.appendingPathComponent("Tests/TokenizerTests/Fixtures/corpus.json"))
        let corpus = try JSONDecoder().decode([String].self, from: corpusData)
        let totalBytes = Double(corpus.reduce(0) { $0 + $1.utf8.count })
        let paths = try locate(root: root)
        print("corpus: \(corpus.count) strings, \(Int(totalBytes)) UTF-8 bytes; one thread each")
        print("tokenizer   ours cold    ours warm    HF cold      HF warm      warm ratio  cold ratio")
        for name in arguments.dropFirst(2) {
            guard let path = paths[name] else {
                print("\(name): reference file not installed")
                continue
            }
            let loadStart = DispatchTime.now().uptimeNanoseconds
            let tokenizer = try Tokenizer.load(path: path)
            let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e9
            var timings: [Double] = []
            var idCount = 0
            for _ in 0..<4 {
                let start = DispatchTime.now().uptimeNanoseconds
                idCount = corpus.reduce(0) { $0 + tokenizer.encode($1, addSpecialTokens: true).count }
                timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let oursCold = totalBytes / timings[0]
            let oursWarm = totalBytes / timings.dropFirst().min()!
            let reference = try python(root: root, ["scripts/reference/tokenizer_throughput.py", name, "4"])
            let object = try JSONSerialization.jsonObject(with: Data(reference.utf8)) as! [String: Any]
            let hfCold = object["cold_bytes_per_second"] as! Double
            let hfWarm = object["warm_bytes_per_second"] as! Double
            guard object["ids"] as? Int == idCount else {
                print("\(name): id counts differ (ours \(idCount), reference \(object["ids"]!)); run the tests")
                continue
            }
            func rate(_ bytesPerSecond: Double) -> String {
                String(format: "%6.2f MB/s", bytesPerSecond / 1e6).padding(toLength: 13, withPad: " ", startingAt: 0)
            }
            print(name.padding(toLength: 12, withPad: " ", startingAt: 0) + rate(oursCold) + rate(oursWarm)
                + rate(hfCold) + rate(hfWarm) + String(format: "%6.2fx      %6.2fx", oursWarm / hfWarm, oursCold / hfCold)
                + String(format: "   (loaded in %.2f s)", loadSeconds))
        }
    }

    static func locate(root: URL) throws -> [String: String] {
        let output = try python(root: root, ["scripts/reference/tokenizer_files.py"])
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
        return object["files"] as! [String: String]
    }

    static func python(root: URL, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
