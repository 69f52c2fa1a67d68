// A one-line progress bar on standard error, redrawn as requests finish.
import Foundation
import Synchronization

public final class ProgressBar: Sendable {
    private let width: Int
    private let start = ContinuousClock.now
    private let lastDrawn = Mutex(-1)

    public init(width: Int = 40) { self.width = width }

    public func update(done: Int, total: Int) {
        // Several requests can finish at once; draw each count once and never go backwards.
        let shouldDraw = lastDrawn.withLock { last in
            guard done > last else { return false }
            last = done
            return true
        }
        guard shouldDraw else { return }
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let line = String(format: "\r[%@] %d/%d  %.1f s", bar, done, total, seconds(since: start))
        FileHandle.standardError.write(Data((line + (done == total ? "\n" : "")).utf8))
    }
}
