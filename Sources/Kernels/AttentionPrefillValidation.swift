import KernelParams

/// Everything the prefill kernel assumes, checked on the host before a launch; each failure
/// is a `KernelArgumentError` naming the argument and what to change.
enum AttentionPrefillValidation {
    /// Rows at or past this index are the kernel's "no row" marker (TMA then reads zeros).
    static let rowLimit = 1 << 30

    static func check(shape s: AttentionPrefillShape, options o: AttentionPrefillOptions,
                      variant: AttentionPrefillVariant, with check: ArgumentChecker) throws(KernelArgumentError) {
        guard AttentionPrefillKernel.headDims.contains(s.headDim) else {
            throw check.fail("headDim", "is \(s.headDim); the kernels serve 64, 128 and 256")
        }
        try check.positive("batch", s.batch)
        guard s.batch <= 0xFFFF else { throw check.fail("batch", "is \(s.batch), over the plan's 65535 requests") }
        guard s.seqlensK.count == s.batch else {
            throw check.fail("seqlensK", "has \(s.seqlensK.count) entries for \(s.batch) requests")
        }
        guard s.seqlensQ.allSatisfy({ $0 >= 0 }), s.seqlensK.allSatisfy({ $0 >= 0 }) else {
            throw check.fail("seqlensQ/seqlensK", "hold a negative length")
        }
        try check.positive("qHeads", s.qHeads)
        try check.positive("kvHeads", s.kvHeads)
        guard s.qHeads % s.kvHeads == 0 else {
            throw check.fail("qHeads", "(\(s.qHeads)) is not a multiple of kvHeads (\(s.kvHeads))")
        }
        guard s.qHeads < 0x8000 else { throw check.fail("qHeads", "is \(s.qHeads), over 32767") }
        guard s.totalQ < rowLimit else { throw check.fail("seqlensQ", "total \(s.totalQ) tokens, over 2^30") }
        try check.positive("kvRows", s.kvRows)
        guard s.kvRows < rowLimit else { throw check.fail("kvRows", "is \(s.kvRows), over 2^30") }
        let row = s.headDim
        for (name, heads, stride) in [("qRowStride", s.qHeads, s.qRowStride), ("oRowStride", s.qHeads, s.oRowStride),
                                      ("kRowStride", s.kvHeads, s.kRowStride), ("vRowStride", s.kvHeads, s.vRowStride)] {
            guard stride >= heads * row else {
                throw check.fail(name, "is \(stride), less than heads x headDim = \(heads * row)")
            }
            try check.multiple(name, stride, of: 8)  // TMA global strides are multiples of 16 bytes
        }
        switch s.layout {
        case .contiguous:
            let keys = s.seqlensK.reduce(0, +)
            guard keys <= s.kvRows else {
                throw check.fail("seqlensK", "total \(keys) keys, more than the \(s.kvRows) K/V rows")
            }
        case .paged(let pageSize, let stride):
            try check.positive("pageSize", pageSize)
            let pagesNeeded = s.seqlensK.map { ($0 + pageSize - 1) / pageSize }.max() ?? 0
            guard stride >= pagesNeeded else {
                throw check.fail("pageTableStride", "is \(stride); a request needs \(pagesNeeded) pages")
            }
            if !variant.gather, PrefillLimits.boxesPerTile(variant) > 32 {
                throw check.fail("pageSize", "\(pageSize) cuts a tile into more than 32 TMA boxes")
            }
        }
        for (name, window) in [("windowLeft", o.windowLeft), ("windowRight", o.windowRight)] {
            guard let window else { continue }
            guard window >= 0, window < rowLimit else { throw check.fail(name, "is \(window); use 0 ..< 2^30 or nil") }
        }
        if o.causal, let right = o.windowRight, right != 0 {
            throw check.fail("windowRight", "is \(right) with causal = true; causal means windowRight = 0")
        }
        if let cap = o.softcap, !(cap > 0 && cap.isFinite) { throw check.fail("softcap", "is \(cap); use > 0 or nil") }
        if let scale = o.softmaxScale, !(scale > 0 && scale.isFinite) {
            throw check.fail("softmaxScale", "is \(scale); use a finite value > 0")
        }
    }

    static func check(tensors t: AttentionPrefillTensors, shape s: AttentionPrefillShape, plan: AttentionPrefillPlan,
                      variant: AttentionPrefillVariant, with check: ArgumentChecker) throws(KernelArgumentError) {
        let dtype = t.q.dtype
        guard dtype == .bf16 || dtype == .f16 else { throw check.fail("q", "is \(dtype); the kernels serve bf16 and f16") }
        let d = s.headDim
        try check.tensor("q", t.q, dtype: dtype, atLeast: max(0, s.totalQ - 1) * s.qRowStride + s.qHeads * d)
        try check.tensor("o", t.o, dtype: dtype, atLeast: max(0, s.totalQ - 1) * s.oRowStride + s.qHeads * d)
        try check.tensor("k", t.k, dtype: dtype, atLeast: (s.kvRows - 1) * s.kRowStride + s.kvHeads * d)
        try check.tensor("v", t.v, dtype: dtype, atLeast: (s.kvRows - 1) * s.vRowStride + s.kvHeads * d)
        if let lse = t.lse { try check.tensor("lse", lse, dtype: .f32, atLeast: s.totalQ * s.qHeads, alignment: 4) }
        try check.tensor("cuSeqlensQ", t.cuSeqlensQ, dtype: .i32, atLeast: s.batch + 1, alignment: 4)
        try check.tensor("seqlensK", t.seqlensK, dtype: .i32, atLeast: s.batch, alignment: 4)
        switch s.layout {
        case .contiguous:
            guard let cu = t.cuSeqlensK else { throw check.fail("cuSeqlensK", "is required for contiguous K/V") }
            try check.tensor("cuSeqlensK", cu, dtype: .i32, atLeast: s.batch + 1, alignment: 4)
            guard t.pageTable == nil else { throw check.fail("pageTable", "is given for contiguous K/V") }
        case .paged(let pageSize, let stride):
            guard let table = t.pageTable else { throw check.fail("pageTable", "is required for paged K/V") }
            let pages = s.seqlensK.map { ($0 + pageSize - 1) / pageSize }.max() ?? 0
            try check.tensor("pageTable", table, dtype: .i32, atLeast: (s.batch - 1) * stride + max(1, pages), alignment: 4)
        }
        try check.tensor("tilePlan", t.tilePlan, dtype: .i32, atLeast: max(1, plan.entries.count), alignment: 8)
        try check.tensor("tileCounter", t.tileCounter, dtype: .i32, atLeast: 1, alignment: 4)
        let mBlocks = s.seqlensQ.reduce(0) { $0 + ($1 + variant.blockM - 1) / variant.blockM }
        guard plan.headsPerSection > 0, s.qHeads % plan.headsPerSection == 0, plan.headsPerSection % s.group == 0,
              plan.entryCount == mBlocks * (s.qHeads / plan.headsPerSection) else {
            throw check.fail("plan", "was made for another batch or head count; make it from this shape")
        }
        try check.fitsInt32("plan.tiles", plan.tiles)
    }
}

enum PrefillLimits {
    static func boxesPerTile(_ v: AttentionPrefillVariant) -> Int { (v.blockN + v.kvBoxRows - 1) / v.kvBoxRows }
}
