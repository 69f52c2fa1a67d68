// The BPE model of a byte-level vocabulary: initial symbols are bytes, and merges are applied
// lowest rank first (leftmost on ties) until none applies — Hugging Face's `BPE` model.

struct BytePairModel: Sendable {
    /// What the model does with a byte its vocabulary cannot spell.
    struct UnknownHandling: Sendable {
        /// `<0x00>`…`<0xFF>` token ids, when the vocabulary has them and `byte_fallback` is set.
        var byteFallbackIds: [Int32]?
        var unknownId: Int32?
        var fuseUnknown = false
    }

    /// Token id of each single byte's spelling, or -1 where the vocabulary lacks it.
    let idForByte: [Int32]
    /// Every token the alphabet can spell, by its raw bytes (built only for `ignore_merges`).
    let idForBytes: TokenTable
    let merges: MergeTable
    /// Llama-3's `ignore_merges`: a pre-token that is itself in the vocabulary skips merging.
    let ignoreMerges: Bool
    let unknown: UnknownHandling

    /// `vocabulary` is keyed by the tokens' spellings, as the file writes them.
    init(
        vocabulary: TokenTable, spellings: [(String, Int32)], merges mergeList: [(String, String)],
        ignoreMerges: Bool, unknown: UnknownHandling
    ) throws(TokenizerError) {
        var idForBytes = TokenTable(minimumCapacity: ignoreMerges ? spellings.count : 0)
        if ignoreMerges {
            for (token, id) in spellings {
                guard let bytes = ByteLevelAlphabet.bytes(spelledBy: token) else { continue }
                bytes.withUnsafeBufferPointer { idForBytes.insert($0, id: id) }
            }
        }
        self.idForBytes = idForBytes
        idForByte = (0..<256).map { byte in
            vocabulary.id(String(ByteLevelAlphabet.scalarForByte[byte])) ?? -1
        }
        var table = MergeTable(minimumCapacity: mergeList.count)
        for (rank, (left, right)) in mergeList.enumerated() {
            guard let leftId = vocabulary.id(left), let rightId = vocabulary.id(right) else {
                throw .mergeWithUnknownToken(rank: rank, left: left, right: right)
            }
            guard let mergedId = vocabulary.id(left, followedBy: right) else {
                throw .mergeResultNotInVocabulary(rank: rank, left: left, right: right)
            }
            table.insert(left: leftId, right: rightId, rank: Int32(rank), merged: mergedId)
        }
        merges = table
        self.ignoreMerges = ignoreMerges
        self.unknown = unknown
    }

    /// Appends the ids of one pre-token (raw bytes) to `ids`.
    func encode(_ bytes: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        if ignoreMerges, let id = idForBytes.id(bytes) {
            ids.append(id)
            return
        }
        var symbols = initialSymbols(bytes)
        if symbols.count > 1 {
            if symbols.count <= 64 {
                BPEMerging.mergeByScanning(&symbols, merges)
            } else {
                BPEMerging.mergeWithHeap(&symbols, merges)
            }
        }
        ids.append(contentsOf: symbols)
    }

    private func initialSymbols(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int32] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        var previousWasUnknown = false
        for byte in bytes {
            let id = idForByte[Int(byte)]
            if id >= 0 {
                symbols.append(id)
                previousWasUnknown = false
                continue
            }
            // As Hugging Face does, fall back on the bytes of the byte's *spelling* (one
            // alphabet scalar), then on the unknown token, else drop it.
            let spelling = String(ByteLevelAlphabet.scalarForByte[Int(byte)]).utf8
            if let fallback = unknown.byteFallbackIds, spelling.allSatisfy({ fallback[Int($0)] >= 0 }) {
                symbols.append(contentsOf: spelling.map { fallback[Int($0)] })
                previousWasUnknown = false
            } else if let unknownId = unknown.unknownId {
                if !(unknown.fuseUnknown && previousWasUnknown) { symbols.append(unknownId) }
                previousWasUnknown = true
            }
        }
        return symbols
    }
}
