// End-of-sequence ids of a model folder that has no tokenizer (a config-only folder such as
// bench/configs/llama-3-8b, or weights saved by a script): without a tokenizer the ids
// still come from config.json and generation_config.json, so generation stops where the
// model's own generate would.

import Foundation

enum ConfigStopTokens {
    /// The union of `eos_token_id` (a number or a list) in the folder's config.json and
    /// generation_config.json; empty when neither names one or `path` is not a folder.
    static func read(folder path: String) -> [Int32] {
        var ids: [Int32] = []
        for file in ["config.json", "generation_config.json"] {
            guard let data = FileManager.default.contents(atPath: path + "/" + file),
                  let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { continue }
            switch json["eos_token_id"] {
            case let id as Int: ids.append(Int32(id))
            case let list as [Int]: ids += list.map(Int32.init)
            default: break
            }
        }
        var seen = Set<Int32>()
        return ids.filter { seen.insert($0).inserted }
    }
}
