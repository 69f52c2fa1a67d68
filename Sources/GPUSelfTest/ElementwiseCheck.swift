import CUDA
import Foundation
import Kernels

/// The model's small kernels against host references on fresh random data, outputs
/// poisoned first: row gather (bit-exact, with the out-of-range flag), SiLU-and-mul
/// (float32 reference, rel. L2) and widening to float (exact), in bf16 and f16.
enum ElementwiseCheck {
    static func gatherRows(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try GatherRowsKernel(library: env.library)
        var problems: [String] = []
        for (sourceRows, width, rows, dtype) in [(49152, 576, 7, KernelDType.bf16), (128256, 128, 3, .f16),
                                                 (300, 896, 300, .bf16), (64, 64, 1, .f32)] {
            // Source: random bits (NaN patterns included: a bit copy must keep them).
            let source = (0..<sourceRows * width * dtype.byteSize / 2).map { _ in UInt16(truncatingIfNeeded: env.random.next()) }
            var indices = (0..<rows).map { _ in Int32(env.random.next() % UInt64(sourceRows)) }
            let badRow = rows > 2 ? 1 : -1
            if badRow >= 0 { indices[badRow] = Int32(sourceRows) }  // out of range: zero row, flag raised
            let dSource = try env.allocator.allocate(UInt16.self, count: source.count)
            let dIndices = try env.allocator.allocate(Int32.self, count: rows)
            let halvesPerRow = width * dtype.byteSize / 2
            let dOut = try env.allocator.allocate(UInt16.self, count: rows * halvesPerRow)
            let flag = try env.allocator.allocate(Int32.self, count: 1)
            try dSource.upload(source, stream: env.stream)
            try dIndices.upload(indices, stream: env.stream)
            try dOut.fillBytes(0xA5, stream: env.stream)
            try flag.upload([0], stream: env.stream)
            let ref = { (buffer: DeviceBuffer<UInt16>, count: Int) in
                DeviceTensorRef(address: buffer.address, count: count, dtype: dtype)
            }
            let params = try GatherRowsKernel.makeParams(
                source: ref(dSource, sourceRows * width), sourceRows: sourceRows, indices: dIndices.ref(.i32),
                out: ref(dOut, rows * width), rows: rows, width: width, badIndex: flag.ref(.i32))
            try kernel.launch(params: params, stream: env.stream)
            let got = try dOut.download(stream: env.stream)
            var expected: [UInt16] = []
            for (i, index) in indices.enumerated() {
                if i == badRow {
                    expected += [UInt16](repeating: 0, count: halvesPerRow)
                } else {
                    let start = Int(index) * halvesPerRow
                    expected += source[start..<(start + halvesPerRow)]
                }
            }
            let raised = try flag.download(stream: env.stream)[0] == 1
            if got != expected { problems.append("\(dtype) \(rows)x\(width): \(zip(got, expected).filter { $0 != $1 }.count) halves differ") }
            if raised != (badRow >= 0) { problems.append("\(dtype) \(rows)x\(width): flag \(raised ? "raised wrongly" : "not raised")") }
        }
        return CheckResult(name: "gather rows (embedding) bit-exact", passed: problems.isEmpty,
                           detail: problems.isEmpty ? "4 cases (bf16/f16/f32 rows, 128k-row table), out-of-range row zeroed and flagged"
                               : problems.joined(separator: "; "))
    }

    static func siluMul(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try SiLUMulKernel(library: env.library)
        var worst = 0.0
        var problems: [String] = []
        for dtype in [KernelDType.bf16, .f16] {
            for (count, inPlace) in [(8, false), (1536 * 7, true), (14336 * 33, false), (8 * 100_003, true)] {
                let gate = env.randomHalfs(count, dtype, scale: 6), up = env.randomHalfs(count, dtype, scale: 2)
                let dGate = try env.allocator.allocate(UInt16.self, count: count)
                let dUp = try env.allocator.allocate(UInt16.self, count: count)
                let dOut = inPlace ? dGate : try env.allocator.allocate(UInt16.self, count: count)
                try dGate.upload(gate, stream: env.stream)
                try dUp.upload(up, stream: env.stream)
                if !inPlace { try dOut.fillBytes(0xFF, stream: env.stream) }
                let params = try SiLUMulKernel.makeParams(gate: dGate.ref(dtype), up: dUp.ref(dtype), out: dOut.ref(dtype), count: count)
                try kernel.launch(params: params, dtype: dtype, stream: env.stream)
                let got = try dOut.download(stream: env.stream).map { HalfPrecision.float($0, as: dtype) }
                let expected = (0..<count).map { i -> Float in
                    let g = Double(HalfPrecision.float(gate[i], as: dtype))
                    return Float(g / (1 + Foundation.exp(-g)) * Double(HalfPrecision.float(up[i], as: dtype)))
                }
                let error = relativeL2Error(got, expected)
                worst = max(worst, error.isNaN ? .infinity : error)
                if !(error <= 1e-2) { problems.append("\(dtype) \(count)\(inPlace ? " in place" : ""): \(error)") }
            }
        }
        return CheckResult(name: "silu-and-mul vs float64", passed: problems.isEmpty,
                           detail: problems.isEmpty ? String(format: "8 cases (in place too), worst rel. L2 %.2e", worst)
                               : problems.joined(separator: "; "))
    }

    static func toFloat(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try ToFloatKernel(library: env.library)
        var problems: [String] = []
        for dtype in [KernelDType.bf16, .f16] {
            for count in [8, 576 * 3, 49152 * 5 + 8] {
                let x = env.randomHalfs(count, dtype, scale: 100)
                let dx = try env.allocator.allocate(UInt16.self, count: count)
                let dOut = try env.allocator.allocate(Float.self, count: count)
                try dx.upload(x, stream: env.stream)
                try dOut.fillBytes(0xFF, stream: env.stream)
                try kernel.launch(params: try ToFloatKernel.makeParams(x: dx.ref(dtype), out: dOut.ref(.f32), count: count),
                                  dtype: dtype, stream: env.stream)
                let got = try dOut.download(stream: env.stream)
                let wrong = zip(got, x).filter { $0.0 != HalfPrecision.float($0.1, as: dtype) }.count
                if wrong > 0 { problems.append("\(dtype) \(count): \(wrong) values differ") }
            }
        }
        return CheckResult(name: "to-float exact", passed: problems.isEmpty,
                           detail: problems.isEmpty ? "6 cases bit-exact" : problems.joined(separator: "; "))
    }
}
