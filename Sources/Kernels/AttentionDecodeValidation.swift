import KernelParams

/// The shape and option rules of the decode kernel, each failure naming the argument and
/// what to do. Tensor sizes are checked against these in AttentionDecodeKernel.makeParams.
enum AttentionDecodeValidation {
    static func check(shape s: AttentionDecodeShape, options o: AttentionDecodeOptions, grid: Int,
                      with check: ArgumentChecker) throws(KernelArgumentError) {
        try check.positive("batch", s.batch)
        guard s.batch <= Int(FS_ATTENTION_DECODE_MAX_BATCH) else {
            throw check.fail("batch", "is \(s.batch); the kernel takes at most \(FS_ATTENTION_DECODE_MAX_BATCH) requests, split the batch")
        }
        try check.positive("kvHeads", s.kvHeads)
        try check.positive("qHeads", s.qHeads)
        guard s.qHeads % s.kvHeads == 0 else {
            throw check.fail("qHeads", "(\(s.qHeads)) must be a multiple of kvHeads (\(s.kvHeads))")
        }
        guard s.group <= Int(FS_ATTENTION_DECODE_MAX_GROUP) else {
            throw check.fail("qHeads", "gives \(s.group) q heads per kv head; at most \(FS_ATTENTION_DECODE_MAX_GROUP) are packed in one tile")
        }
        guard AttentionDecodeKernel.headDims.contains(s.headDim) else {
            throw check.fail("headDim", "is \(s.headDim); kernels exist for 64, 128 and 256")
        }
        guard s.pageSize > 0, s.pageSize & (s.pageSize - 1) == 0 else {
            throw check.fail("pageSize", "must be a power of two (1, 16, 32, 64 ...), got \(s.pageSize)")
        }
        try check.positive("maxPages", s.maxPages)
        guard s.pageTableStride >= s.maxPages else {
            throw check.fail("pageTableStride", "(\(s.pageTableStride)) must be at least maxPages (\(s.maxPages))")
        }
        try check.positive("numSlots", s.numSlots)
        try check.fitsInt32("numSlots", s.numSlots)
        try check.fitsInt32("pageTableStride", s.pageTableStride)
        try check.fitsInt32("maxPages * pageSize", s.maxPages * s.pageSize)
        // Rows are read with 16-byte accesses: every row start must stay 16-byte aligned.
        for (name, value) in [("qBatchStride", s.qBatchStride), ("qHeadStride", s.qHeadStride),
                              ("oBatchStride", s.oBatchStride), ("oHeadStride", s.oHeadStride),
                              ("kSlotStride", s.kSlotStride), ("kHeadStride", s.kHeadStride),
                              ("vSlotStride", s.vSlotStride), ("vHeadStride", s.vHeadStride)] {
            try check.multiple(name, value, of: 8)
        }
        for (name, value) in [("qHeadStride", s.qHeadStride), ("oHeadStride", s.oHeadStride),
                              ("kHeadStride", s.kHeadStride), ("vHeadStride", s.vHeadStride)] where value < s.headDim {
            throw check.fail(name, "(\(value)) is shorter than a head (\(s.headDim)): rows would overlap")
        }
        guard s.kSlotStride >= s.kvHeads * s.kHeadStride, s.vSlotStride >= s.kvHeads * s.vHeadStride else {
            throw check.fail("kSlotStride/vSlotStride", "must hold kvHeads (\(s.kvHeads)) heads per slot")
        }
        if let scale = o.softmaxScale, !(scale.isFinite && scale > 0) {
            throw check.fail("softmaxScale", "must be finite and positive, got \(scale)")
        }
        if let window = o.windowLeft, window < 0 {
            throw check.fail("windowLeft", "must be >= 0 (nil for no window), got \(window)")
        }
        if let window = o.windowLeft { try check.fitsInt32("windowLeft", window) }
        if let cap = o.softcap, !(cap.isFinite && cap >= 0) {
            throw check.fail("softcap", "must be finite and >= 0 (nil or 0 for none), got \(cap)")
        }
        try check.positive("minTilesPerCTA", o.minTilesPerCTA)
        guard grid >= 1, grid <= Int(FS_ATTENTION_DECODE_MAX_GRID) else {
            throw check.fail("grid", "must be in 1...\(FS_ATTENTION_DECODE_MAX_GRID), got \(grid)")
        }
    }
}
