import CUDA
import Foundation
import Kernels
import KernelParams
import KVCache

/// The KV store kernel against its CPU twin, bit for bit over the whole (poisoned) pool,
/// with page-aligned slots in random page order for P ∈ {1, 16, 64} and both 16-bit types.
enum KVStoreCheck {
    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try KVStoreKernel(library: env.library)
        var failures: [String] = []
        var cases = 0
        for pageSize in [1, 16, 64] {
            for dtype in [KernelDType.bf16, .f16] {
                for (kvHeads, headDim, extraStride) in [(8, 128, 0), (2, 64, 3 * 128), (1, 256, 0)] {
                    cases += 1
                    let mismatches = try case_(env, kernel, pageSize: pageSize, dtype: dtype, kvHeads: kvHeads,
                                               headDim: headDim, extraStride: extraStride)
                    if mismatches > 0 {
                        failures.append("P=\(pageSize) \(dtype) \(kvHeads)x\(headDim): \(mismatches) elements differ")
                    }
                }
            }
        }
        return CheckResult(name: "kv store vs CPU twin", passed: failures.isEmpty,
                           detail: failures.isEmpty ? "\(cases) cases bit-exact over the whole pool"
                               : failures.joined(separator: "; "))
    }

    /// Slots of several requests of random lengths, each page-aligned on pages drawn in
    /// random order (page 0 reserved), with skip rows mixed in.
    static func randomSlots(_ env: SelfTestEnvironment, pageSize: Int, numPages: Int) -> [Int32] {
        var pages = Array(1..<numPages)
        pages.shuffle(using: &env.random)
        var slots: [Int32] = []
        while pages.count > 0 && slots.count < 700 {
            let length = Int(env.random.next() % UInt64(3 * pageSize + 5)) + 1
            let needed = (length + pageSize - 1) / pageSize
            guard pages.count >= needed else { break }
            let own = pages.suffix(needed)
            pages.removeLast(needed)
            for i in 0..<length { slots.append(Int32(own[own.startIndex + i / pageSize] * pageSize + i % pageSize)) }
            if env.random.next() % 3 == 0 { slots.append(KVStoreKernel.skipSlot) }
        }
        return slots
    }

    private static func case_(_ env: SelfTestEnvironment, _ kernel: KVStoreKernel, pageSize: Int, dtype: KernelDType,
                              kvHeads: Int, headDim: Int, extraStride: Int) throws -> Int {
        let numPages = max(8, 2048 / pageSize)
        let numSlots = numPages * pageSize
        let row = kvHeads * headDim
        let stride = row + extraStride
        let slots = randomSlots(env, pageSize: pageSize, numPages: numPages)
        let tokens = slots.count
        let k = env.randomHalfs(tokens * stride, dtype), v = env.randomHalfs(tokens * stride, dtype)
        // Poison: random bits, never zeros, so an unwritten or stray row shows.
        let kPool = (0..<numSlots * row).map { _ in UInt16(truncatingIfNeeded: env.random.next()) }
        let vPool = (0..<numSlots * row).map { _ in UInt16(truncatingIfNeeded: env.random.next()) }
        let dk = try env.allocator.allocate(UInt16.self, count: k.count)
        let dv = try env.allocator.allocate(UInt16.self, count: v.count)
        let dkPool = try env.allocator.allocate(UInt16.self, count: kPool.count)
        let dvPool = try env.allocator.allocate(UInt16.self, count: vPool.count)
        let dslots = try env.allocator.allocate(Int32.self, count: tokens)
        try dk.upload(k, stream: env.stream); try dv.upload(v, stream: env.stream)
        try dkPool.upload(kPool, stream: env.stream); try dvPool.upload(vPool, stream: env.stream)
        try dslots.upload(slots, stream: env.stream)
        let params = try KVStoreKernel.makeParams(
            k: dk.ref(dtype), v: dv.ref(dtype), kStride: stride, vStride: stride,
            kPool: dkPool.ref(dtype), vPool: dvPool.ref(dtype), slots: dslots.ref(.i32),
            tokens: tokens, rowElements: row, numSlots: numSlots)
        try kernel.launch(params: params, stream: env.stream)
        let gotK = try dkPool.download(stream: env.stream), gotV = try dvPool.download(stream: env.stream)
        // The CPU twin (KVCache's HostKVPool.store) over the same poisoned pool.
        let twin = HostKVPool<UInt16>(shape: KVPoolShape(layers: 1, numPages: numPages, pageSize: pageSize,
                                                          kvHeads: kvHeads, headDim: headDim), fill: 0)
        _ = twin.keys(layer: 0).update(fromContentsOf: kPool)
        _ = twin.values(layer: 0).update(fromContentsOf: vPool)
        let packedK = (0..<tokens).flatMap { k[($0 * stride)..<($0 * stride + row)] }
        let packedV = (0..<tokens).flatMap { v[($0 * stride)..<($0 * stride + row)] }
        slots.withUnsafeBufferPointer { s in
            packedK.withUnsafeBufferPointer { pk in
                packedV.withUnsafeBufferPointer { pv in twin.store(layer: 0, slots: s, keys: pk, values: pv) }
            }
        }
        return zip(gotK, twin.keys(layer: 0)).filter { $0 != $1 }.count
            + zip(gotV, twin.values(layer: 0)).filter { $0 != $1 }.count
    }

    /// A slot outside the pool is not written and raises the flag.
    static func badSlot(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try KVStoreKernel(library: env.library)
        let row = 128, numSlots = 16
        let slots: [Int32] = [3, Int32(numSlots), 5, 1 << 30]
        let k = env.randomHalfs(slots.count * row, .bf16)
        let pool = (0..<numSlots * row).map { _ in UInt16(truncatingIfNeeded: env.random.next()) }
        let dk = try env.allocator.allocate(UInt16.self, count: k.count)
        let dPool = try env.allocator.allocate(UInt16.self, count: pool.count + row)  // one guard row past the end
        let dslots = try env.allocator.allocate(Int32.self, count: slots.count)
        let flag = try env.allocator.allocate(Int32.self, count: 1)
        try dk.upload(k, stream: env.stream)
        try dPool.upload(pool + [UInt16](repeating: 0xABCD, count: row), stream: env.stream)
        try dslots.upload(slots, stream: env.stream)
        try flag.upload([0], stream: env.stream)
        let params = try KVStoreKernel.makeParams(
            k: dk.ref(.bf16), v: dk.ref(.bf16), kStride: row, vStride: row, kPool: dPool.ref(.bf16),
            vPool: dPool.ref(.bf16), slots: dslots.ref(.i32), tokens: slots.count, rowElements: row,
            numSlots: numSlots, badSlot: flag.ref(.i32))
        try kernel.launch(params: params, stream: env.stream)
        let raised = try flag.download(stream: env.stream)[0] == 1
        let got = try dPool.download(stream: env.stream)
        let guardIntact = got[(numSlots * row)...].allSatisfy { $0 == 0xABCD }
        var expected = pool
        for (t, slot) in slots.enumerated() where slot >= 0 && Int(slot) < numSlots {
            for i in 0..<row { expected[Int(slot) * row + i] = k[t * row + i] }
        }
        let poolRight = Array(got[..<(numSlots * row)]) == expected
        return CheckResult(name: "kv store bad slot", passed: raised && guardIntact && poolRight,
                           detail: "flag \(raised ? "raised" : "NOT raised"), guard row \(guardIntact ? "intact" : "OVERWRITTEN"), "
                               + "valid rows \(poolRight ? "written" : "WRONG")")
    }
}
