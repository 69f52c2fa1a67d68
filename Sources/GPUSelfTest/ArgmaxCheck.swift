import CUDA
import Foundation
import Kernels

/// The device argmax (greedy sampling) picks the same index as the host's first-largest
/// scan on random rows of several vocabulary sizes (aligned and not), with planted exact
/// ties (the first must win), a NaN (never wins) and all-equal rows.
enum ArgmaxCheck {
    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try ArgmaxKernel(library: env.library)
        var cases = 0, wrong: [String] = []
        for vocab in [1, 7, 4096, 49152, 128_256, 151_937] {
            let rows = 9, stride = vocab + (vocab % 4 == 1 ? 3 : 0)
            var values = (0 ..< rows * stride).map { _ in env.random.nextSignedUnit() * 8 }
            if vocab > 8 {
                // Row 1: the maximum twice (the first index wins); row 2: a NaN at the front;
                // row 3: every element equal (index 0).
                values[stride + vocab / 3] = 100
                values[stride + vocab - 1] = 100
                values[2 * stride] = .nan
                for i in 0 ..< vocab { values[3 * stride + i] = 0.5 }
            }
            let logits = try env.context.allocate(Float.self, count: values.count)
            try logits.upload(values, stream: env.stream)
            let keys = try env.context.allocate(UInt64.self, count: rows)
            try kernel.launch(logits: logits.ref(.f32), rows: rows, vocab: vocab, rowStride: stride, keys: keys,
                              stream: env.stream)
            let got = try ArgmaxKernel.tokens(keys, rows: rows, stream: env.stream)
            for r in 0 ..< rows {
                let row = values[(r * stride) ..< (r * stride + vocab)]
                var best = row.startIndex
                for i in row.indices where row[i] > row[best] || row[best].isNaN && !row[i].isNaN { best = i }
                let expected = Int32(best - r * stride)
                cases += 1
                if got[r] != expected { wrong.append("vocab \(vocab) row \(r): \(got[r]) vs \(expected)") }
            }
        }
        return CheckResult(name: "argmax kernel vs host", passed: wrong.isEmpty,
                           detail: wrong.isEmpty ? "\(cases) rows (ties, NaN, unaligned strides) match the host scan"
                                                 : "\(wrong.count) of \(cases) wrong: \(wrong.prefix(3).joined(separator: "; "))")
    }
}
