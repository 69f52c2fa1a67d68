// Splitting CPU work over the machine's cores.

import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum HostThreads {
    /// Online cores (at least 1).
    public static let count: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Runs `body(0..<chunks)`, concurrently when there is more than one chunk, and
    /// returns when all have finished. Callers give each chunk its own output range: that
    /// partition, not the type system, is what makes the shared pointers safe here.
    @inline(__always)
    public static func parallelFor(_ chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = unsafeBitCast(body, to: (@Sendable (Int) -> Void).self)
            DispatchQueue.concurrentPerform(iterations: chunks, execute: shared)
        }
    }
}
