import CUDA
import Foundation
import Kernels

/// A captured graph replayed with fresh inputs written between replays gives the right
/// answer every time; an exec update makes it read new buffers.
enum GraphCheck {
    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try RMSNormKernel(library: env.library)
        let rows = 4, hidden = 1024, n = rows * hidden
        let weight = env.randomHalfs(hidden, .bf16)
        let w = try env.context.allocate(UInt16.self, count: hidden)
        try w.upload(weight, stream: env.stream)
        let x = try env.context.allocate(UInt16.self, count: n), out = try env.context.allocate(UInt16.self, count: n)

        func capture(_ x: DeviceBuffer<UInt16>, _ out: DeviceBuffer<UInt16>) throws -> CUDAGraph {
            try env.stream.capture {
                // Two launches: out = norm(x), then out = norm(out) (in place), so the graph has an edge.
                try kernel.launch(x: x.ref(.bf16), weight: w.ref(.bf16), out: out.ref(.bf16), rows: rows,
                                  hidden: hidden, eps: 1e-6, stream: env.stream)
                try kernel.launch(x: out.ref(.bf16), weight: w.ref(.bf16), out: out.ref(.bf16), rows: rows,
                                  hidden: hidden, eps: 1e-6, stream: env.stream)
            }
        }
        let graph = try capture(x, out)
        let nodes = try graph.nodeCount()
        let exec = try graph.instantiate()
        var worst = 0.0
        let replays = 20
        for _ in 0..<replays {
            let input = env.randomHalfs(n, .bf16, scale: 3)
            try x.upload(input, stream: env.stream)
            try out.fillBytes(0xFF, stream: env.stream)
            try exec.launch(on: env.stream)
            let got = try out.download(stream: env.stream).map { HalfPrecision.float(bf16Bits: $0) }
            worst = max(worst, errorOrInfinity(relativeL2Error(got, reference(input, weight, rows, hidden))))
        }
        // Exec update: the same topology over new buffers.
        let x2 = try env.context.allocate(UInt16.self, count: n), out2 = try env.context.allocate(UInt16.self, count: n)
        try exec.update(from: try capture(x2, out2))
        let input2 = env.randomHalfs(n, .bf16, scale: 3)
        try x2.upload(input2, stream: env.stream)
        try out2.fillBytes(0xFF, stream: env.stream)
        let before = try out.download(stream: env.stream)
        try exec.launch(on: env.stream)
        let got2 = try out2.download(stream: env.stream).map { HalfPrecision.float(bf16Bits: $0) }
        let updatedError = errorOrInfinity(relativeL2Error(got2, reference(input2, weight, rows, hidden)))
        let oldUntouched = try out.download(stream: env.stream) == before
        let passed = nodes == 2 && worst <= 1e-2 && updatedError <= 1e-2 && oldUntouched
        return CheckResult(name: "graph replay + exec update", passed: passed,
                           detail: String(format: "%d nodes, %d replays worst rel. L2 %.2e; after update %.2e, old output %@",
                                          nodes, replays, worst, updatedError, oldUntouched ? "untouched" : "WRITTEN"))
    }

    private static func errorOrInfinity(_ e: Double) -> Double { e.isNaN ? .infinity : e }

    /// norm(norm(x)) in float32, with the intermediate rounded to bf16 as the GPU stores it.
    private static func reference(_ x: [UInt16], _ weight: [UInt16], _ rows: Int, _ hidden: Int) -> [Float] {
        func norm(_ v: [Float]) -> [Float] {
            let ms = v.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(v.count)
            let s = 1 / (ms + 1e-6).squareRoot()
            return v.indices.map { Float(Double(v[$0]) * s * Double(HalfPrecision.float(bf16Bits: weight[$0]))) }
        }
        var result: [Float] = []
        for r in 0..<rows {
            let row = (0..<hidden).map { HalfPrecision.float(bf16Bits: x[r * hidden + $0]) }
            let once = norm(row).map { HalfPrecision.float(bf16Bits: HalfPrecision.bf16Bits($0)) }
            result += norm(once)
        }
        return result
    }
}
