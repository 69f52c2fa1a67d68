// Pre-token → ids memo shared by every encode call (and thread) of one tokenizer: natural
// text repeats its words, so most pre-tokens skip BPE entirely.
import Synchronization

final class PreTokenCache: Sendable {
    /// Beyond this many entries new pre-tokens are no longer remembered (the cache never
    /// evicts, so its memory stays bounded).
    static let capacity = 200_000
    /// Longer pre-tokens are rarely repeated and would pin a lot of memory.
    static let maximumKeyLength = 128

    private let entries = Mutex<[ByteKey: [Int32]]>([:])

    func ids(for key: ByteKey) -> [Int32]? {
        entries.withLock { $0[key] }
    }

    func remember(_ ids: [Int32], for key: ByteKey) {
        entries.withLock { entries in
            if entries.count < Self.capacity { entries[key] = ids }
        }
    }
}
