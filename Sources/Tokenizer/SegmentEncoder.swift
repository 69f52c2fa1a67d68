// The encoding pipeline between the raw text and the ids, in Hugging Face's order: added
// tokens in the raw text, normalizer, added tokens in the normalized text, prefix space,
// pre-tokenizer, then BPE per piece (through the cache).

struct SegmentEncoder {
    let tokenizer: Tokenizer
    private var scalars = ScalarBuffer()
    private var pieces: [Range<Int>] = []

    init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    mutating func encode(_ utf8: UnsafeBufferPointer<UInt8>, ids: inout [Int32]) {
        var segments: [TextSegment] = []
        tokenizer.rawAddedTokens.split(utf8, range: 0..<utf8.count, into: &segments)
        for segment in segments {
            switch segment {
            case .addedToken(let id): ids.append(id)
            case .text(let range): encodeRawText(UnsafeBufferPointer(rebasing: utf8[range]), ids: &ids)
            }
        }
    }

    private mutating func encodeRawText(_ utf8: UnsafeBufferPointer<UInt8>, ids: inout [Int32]) {
        guard let normalized = tokenizer.normalizer.normalize(utf8) else {
            encodeNormalizedText(utf8, ids: &ids)
            return
        }
        normalized.withUnsafeBufferPointer { encodeNormalizedText($0, ids: &ids) }
    }

    private mutating func encodeNormalizedText(_ utf8: UnsafeBufferPointer<UInt8>, ids: inout [Int32]) {
        guard !tokenizer.normalizedAddedTokens.isEmpty else {
            encodeWithPrefixSpace(utf8, ids: &ids)
            return
        }
        var segments: [TextSegment] = []
        tokenizer.normalizedAddedTokens.split(utf8, range: 0..<utf8.count, into: &segments)
        for segment in segments {
            switch segment {
            case .addedToken(let id): ids.append(id)
            case .text(let range): encodeWithPrefixSpace(UnsafeBufferPointer(rebasing: utf8[range]), ids: &ids)
            }
        }
    }

    private mutating func encodeWithPrefixSpace(_ utf8: UnsafeBufferPointer<UInt8>, ids: inout [Int32]) {
        guard tokenizer.preTokenizer.addPrefixSpace, utf8.first != UInt8(ascii: " ") else {
            encodePieces(utf8, ids: &ids)
            return
        }
        let prefixed = [UInt8(ascii: " ")] + Array(utf8)
        prefixed.withUnsafeBufferPointer { encodePieces($0, ids: &ids) }
    }

    private mutating func encodePieces(_ utf8: UnsafeBufferPointer<UInt8>, ids: inout [Int32]) {
        scalars.load(utf8, range: 0..<utf8.count)
        pieces.removeAll(keepingCapacity: true)
        tokenizer.preTokenizer.split(scalars, into: &pieces)
        for piece in pieces {
            let bytes = UnsafeBufferPointer(
                rebasing: utf8[scalars.byteOffsets[piece.lowerBound]..<scalars.byteOffsets[piece.upperBound]])
            encodePiece(bytes, ids: &ids)
        }
    }

    private func encodePiece(_ bytes: UnsafeBufferPointer<UInt8>, ids: inout [Int32]) {
        guard bytes.count <= PreTokenCache.maximumKeyLength else {
            tokenizer.model.encode(bytes, into: &ids)
            return
        }
        let key = ByteKey(bytes)
        if let cached = tokenizer.cache.ids(for: key) {
            ids.append(contentsOf: cached)
            return
        }
        let start = ids.count
        tokenizer.model.encode(bytes, into: &ids)
        tokenizer.cache.remember(Array(ids[start...]), for: key)
    }
}
