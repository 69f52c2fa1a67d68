import CUDA
import Foundation

/// Kernel time per call, the way `flashserve bench attention` measures it: N back-to-back
/// launches captured in one CUDA graph, the graph replayed between two CUDA events, the
/// median replay divided by N. Graph replay leaves out the host's launch cost (a few µs of
/// CPU per launch), so the number is what the GPU spends; the gap between two kernels of a
/// graph (about a microsecond) stays in, as it does when the engine replays a step.
public enum GraphReplayTimer {
    public static let method = "per call: N back-to-back launches captured in one CUDA graph, "
        + "median of the replays (CUDAEvent around each) / N"

    /// Launches per graph for a call of about `estimateMicroseconds`, so that one replay lasts
    /// about `targetMicroseconds` (long enough for event resolution, short enough to repeat).
    public static func callsPerGraph(estimateMicroseconds: Double, targetMicroseconds: Double = 4000,
                                     range: ClosedRange<Int> = 4...400) -> Int {
        let calls = Int(targetMicroseconds / max(estimateMicroseconds, 0.5))
        return min(range.upperBound, max(range.lowerBound, calls))
    }

    /// Median microseconds per call. `launch(i)` issues call i on `stream` (i counts 0..<calls,
    /// so the caller can rotate inputs). Call 0 runs once eagerly first and the stream is
    /// synchronized, so a launch error or a fault surfaces before capture; one replay warms up.
    public static func microsecondsPerCall(context: CUDAContext, stream: CUDAStream, calls: Int,
                                           replays: Int = 15, launch: (Int) throws -> Void) throws -> Double {
        precondition(calls > 0 && replays > 0, "GraphReplayTimer needs at least one call and one replay")
        try launch(0)
        try stream.synchronize()
        let graph = try stream.capture { for i in 0..<calls { try launch(i) } }
        let exec = try graph.instantiate()
        try exec.launch(on: stream)
        try stream.synchronize()
        let start = try CUDAEvent(context: context), end = try CUDAEvent(context: context)
        var times: [Double] = []
        for _ in 0..<replays {
            try start.record(on: stream)
            try exec.launch(on: stream)
            try end.record(on: stream)
            try end.synchronize()
            times.append(try end.elapsedMilliseconds(since: start) * 1000 / Double(calls))
        }
        return median(times)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
