import CUDA
import Foundation
import Kernels
import Model

/// Token ids written through the op set's pinned staging buffer while the stream is still
/// busy with earlier work, as a chunked prefill's steps are (a chunk inside a prompt reads
/// nothing back, so nothing waits for its copy): two writes, each consumed by an embedding
/// gather, queued behind ~a few ms of device copies. The second write must not overwrite
/// the staging buffer before the first one's copy has run, so each gather sees its own ids.
enum StagedWriteCheck {
    static let name = "staged token writes behind a busy stream"

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let ops = try CUDAModelOps(context: env.context, stream: env.stream, library: env.library, allocator: env.allocator)
        let rowsInTable = 256, width = 8
        // Row r of the table holds r in every column (exact in bf16).
        let table = try ops.makeWeight(LoadedTensor(name: "table", shape: [rowsInTable, width],
                                                    values: (0 ..< rowsInTable * width).map { Float($0 / width) }))
        let ids = ops.makeIndices(count: 4)
        let first: [Int32] = [1, 2, 3, 4], second: [Int32] = [200, 201, 202, 203]
        let outFirst = ops.makeTensor(count: 4 * width), outSecond = ops.makeTensor(count: 4 * width)
        try env.stream.synchronize()
        // Keep the stream busy for a few milliseconds: 8 copies of 256 MB.
        let bytes = 256 << 20
        let from = try env.allocator.allocate(UInt8.self, count: bytes), to = try env.allocator.allocate(UInt8.self, count: bytes)
        for _ in 0 ..< 8 { try to.copy(from: from, stream: env.stream) }
        ops.write(first, to: ids)
        ops.embed(tokens: ids, rows: 4, table: table, into: outFirst)
        ops.write(second, to: ids)
        ops.embed(tokens: ids, rows: 4, table: table, into: outSecond)
        let gotFirst = ops.read(outFirst, count: 4 * width), gotSecond = ops.read(outSecond, count: 4 * width)
        try ops.checkError()
        withExtendedLifetime((from, to)) {}
        func expected(_ values: [Int32]) -> [Float] { values.flatMap { Array(repeating: Float($0), count: width) } }
        let ok = gotFirst == expected(first) && gotSecond == expected(second)
        return CheckResult(name: name, passed: ok,
                           detail: ok ? "each gather read its own ids (first \(first), second \(second))"
                               : "first gather read \(stride(from: 0, to: gotFirst.count, by: width).map { gotFirst[$0] }), "
                                   + "second \(stride(from: 0, to: gotSecond.count, by: width).map { gotSecond[$0] })")
    }

    static let errorFlagName = "out-of-vocabulary flag, read back with a step or alone"

    /// An embedding gather of an id past the table raises the op set's flag: `checkError`
    /// must report it whether the flag's copy was queued with the step's read-back
    /// (`stageErrorFlag`) or not, once, and a clean step after it must pass.
    static func errorFlag(_ env: SelfTestEnvironment) throws -> CheckResult {
        let ops = try CUDAModelOps(context: env.context, stream: env.stream, library: env.library, allocator: env.allocator)
        let rowsInTable = 16, width = 8
        let table = try ops.makeWeight(LoadedTensor(name: "table", shape: [rowsInTable, width],
                                                    values: [Float](repeating: 1, count: rowsInTable * width)))
        let ids = ops.makeIndices(count: 2), out = ops.makeTensor(count: 2 * width)
        func step(_ values: [Int32], staged: Bool) -> String {
            ops.write(values, to: ids)
            ops.embed(tokens: ids, rows: 2, table: table, into: out)
            if staged { ops.stageErrorFlag() }
            _ = ops.read(out, count: 2 * width)  // the step's read-back
            do {
                try ops.checkError()
                return "clean"
            } catch CUDAModelOpsError.tokenOutOfVocabulary {
                return "out of vocabulary"
            } catch {
                return "\(error)"
            }
        }
        var problems: [String] = []
        for staged in [true, false] {
            let label = staged ? "staged" : "alone"
            let bad = step([3, Int32(rowsInTable + 5)], staged: staged)
            if bad != "out of vocabulary" { problems.append("\(label): a bad id gave \(bad)") }
            let good = step([3, 4], staged: staged)
            if good != "clean" { problems.append("\(label): the clean step after it gave \(good)") }
        }
        return CheckResult(name: errorFlagName, passed: problems.isEmpty,
                           detail: problems.isEmpty ? "a bad id reported once, the next step clean, with and without the staged copy"
                               : problems.joined(separator: "; "))
    }
}
