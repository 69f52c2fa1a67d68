import KernelParams

/// Which compiled kernel serves a call: K/V by TMA (contiguous, or pages of a multiple of 8
/// keys, one TMA box per page piece) or by cp.async gather (any page size); on the paged TMA
/// path, when a tile is several boxes, the kernel whose four producer warps share the issuing
/// (measured on the H100: P = 16 from 0.68-0.94 to 0.86-1.06 of contiguous at hd 128 and 256,
/// bench/RESULTS.md session 7); and at hd 128 on the TMA paths, contiguous or paged, 192-key
/// tiles when the call's longest request has `wideTileMinKeys` keys or more (contiguous: +8 %
/// at 16k keys, 6-10 % slower at 1k-4k).
public struct AttentionPrefillVariant: Sendable, Equatable {
    public let headDim: Int
    public let gather: Bool
    /// FS_PREFILL_WIDE_BLOCK_N keys per tile: the `_tmawide` kernel, or `_tmapagedwide` with `spreadIssue`.
    public let isWide: Bool
    /// The `_tmapaged` kernel: a paged tile's TMA copies (box, column chunk) issued by four warps.
    public let spreadIssue: Bool
    /// Keys per tile: the head dim's default, or FS_PREFILL_WIDE_BLOCK_N for the wide kernels.
    public let blockN: Int
    /// Keys per K/V TMA box: blockN when contiguous, gcd(pageSize, blockN) when paged.
    public let kvBoxRows: Int

    public static let wideTileMinKeys = 8192

    /// The variant for a call's shape (its longest request decides the key tile).
    public init(shape: AttentionPrefillShape) {
        self.init(headDim: shape.headDim, layout: shape.layout, longestKeys: shape.seqlensK.max() ?? 0)
    }

    public init(headDim: Int, layout: AttentionPrefillKVLayout, longestKeys: Int = 0) {
        self.headDim = headDim
        let defaultN = Int(fs_attention_prefill_block_n(Int32(headDim), 0))
        let wideN = Int(fs_attention_prefill_wide_block_n(Int32(headDim)))
        switch layout {
        case .contiguous:
            gather = false
            spreadIssue = false
        case .paged(let pageSize, _):
            let boxRows = Self.gcd(pageSize, defaultN)
            // A box must start on a 1024-byte swizzle period (8 rows of 128 bytes).
            gather = pageSize % 8 != 0 || boxRows % 8 != 0
            spreadIssue = !gather && boxRows < defaultN
        }
        isWide = !gather && wideN > 0 && longestKeys >= Self.wideTileMinKeys
        blockN = isWide ? wideN : Int(fs_attention_prefill_block_n(Int32(headDim), gather ? 1 : 0))
        switch layout {
        case .contiguous: kvBoxRows = blockN
        case .paged(let pageSize, _): kvBoxRows = gather ? blockN : Self.gcd(pageSize, blockN)
        }
    }

    public var blockM: Int { Int(fs_attention_prefill_block_m(Int32(headDim), gather ? 1 : 0)) }
    public var threads: Int { Int(fs_attention_prefill_threads(Int32(headDim), gather ? 1 : 0)) }
    public var sharedMemoryBytes: Int {
        Int(fs_attention_prefill_smem_bytes_n(Int32(headDim), gather ? 1 : 0, Int32(blockN)))
    }

    public func entryPoint(dtype: KernelDType) -> String {
        let load = gather ? "gather" : (spreadIssue ? "tmapaged" : "tma") + (isWide ? "wide" : "")
        return "fs_attention_prefill_hd\(headDim)_\(load)_\(dtype.kernelSuffix)"
    }

    /// Every variant of a head dim, for loading the entry points.
    /// (Pages of 16 keys are several boxes of every head dim's tile: the `_tmapaged` kernels.)
    static func all(headDim: Int) -> [AttentionPrefillVariant] {
        let pages16 = AttentionPrefillKVLayout.paged(pageSize: 16, pageTableStride: 1)
        var variants = [AttentionPrefillVariant(headDim: headDim, layout: .contiguous),
                        AttentionPrefillVariant(headDim: headDim, layout: .paged(pageSize: 1, pageTableStride: 1)),
                        AttentionPrefillVariant(headDim: headDim, layout: pages16)]
        for layout in [AttentionPrefillKVLayout.contiguous, pages16] {  // `_tmawide`, `_tmapagedwide`
            let wide = AttentionPrefillVariant(headDim: headDim, layout: layout, longestKeys: wideTileMinKeys)
            if wide.isWide { variants.append(wide) }
        }
        return variants
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// The persistent scheduler's work list, made on the host once per batch (every layer of a
/// step shares it): entries (request, m_block, head section) as int32 pairs
/// {(section << 16) | request, m_block}. Heads are cut into sections whose K/V fits a share
/// of L2, so the tiles running at once reuse each K/V block from L2; inside a section the
/// entries come heaviest first (most key blocks), so the longest tiles start first.
public struct AttentionPrefillPlan: Sendable, Equatable {
    public let entries: [Int32]
    public let headsPerSection: Int
    public var entryCount: Int { entries.count / 2 }
    public var tiles: Int { entryCount * headsPerSection }

    /// K/V bytes the tiles of one section may keep in L2 (the H100 has 50 MB).
    public static let l2Budget = 24 << 20

    public init(shape s: AttentionPrefillShape, options: AttentionPrefillOptions, variant: AttentionPrefillVariant) {
        headsPerSection = Self.headsPerSection(shape: s)
        let bm = variant.blockM, bn = variant.blockN
        let wl = options.kernelWindowLeft, wr = options.kernelWindowRight
        var work: [(cost: Int, batch: Int, mBlock: Int)] = []
        for (b, (sq, sk)) in zip(s.seqlensQ, s.seqlensK).enumerated() {
            let delta = sk - sq
            for m in 0..<Self.ceilDiv(sq, bm) {
                let first = Self.firstRow(mBlock: m, seqlenQ: sq, blockM: bm)
                let lo = max(0, first), hi = first + bm  // real rows only, as the kernel's block_range
                var nMax = Self.ceilDiv(sk, bn)
                if wr >= 0 { nMax = min(nMax, max(0, Self.ceilDiv(hi + delta + wr, bn))) }
                let nMin = wl >= 0 ? max(0, Self.floorDiv(lo + delta - wl, bn)) : 0
                work.append((max(0, nMax - nMin) + 1, b, m))  // + 1: loading Q and writing O
            }
        }
        // Stable: equal costs keep request and m_block order (neighbouring tiles share K/V).
        let ordered = work.enumerated().sorted { ($0.element.cost, -$0.offset) > ($1.element.cost, -$1.offset) }
        var entries: [Int32] = []
        entries.reserveCapacity(2 * ordered.count * (s.qHeads / max(1, headsPerSection)))
        for section in 0..<(s.qHeads / max(1, headsPerSection)) {
            for (_, w) in ordered {
                entries.append(Int32(truncatingIfNeeded: (section << 16) | w.batch))
                entries.append(Int32(w.mBlock))
            }
        }
        self.entries = entries
    }

    /// Largest number of whole kv heads (a divisor of kvHeads) whose K/V over all requests fits
    /// `l2Budget`, counted in q heads.
    public static func headsPerSection(shape s: AttentionPrefillShape) -> Int {
        guard s.kvHeads > 0, s.qHeads % s.kvHeads == 0 else { return max(1, s.qHeads) }
        let kvBytes = max(1, s.seqlensK.reduce(0, +) * s.headDim * 2 * 2)
        var kvPerSection = max(1, min(s.kvHeads, l2Budget / kvBytes))
        while s.kvHeads % kvPerSection != 0 { kvPerSection -= 1 }
        return kvPerSection * s.group
    }

    /// First row of an m-block within its request, as the kernel cuts them: the blocks end at
    /// the request's last query, so a partial block is the first one and starts below zero.
    public static func firstRow(mBlock m: Int, seqlenQ sq: Int, blockM bm: Int) -> Int {
        m * bm - (bm - sq % bm) % bm
    }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }
    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
