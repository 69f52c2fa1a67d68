/// Fused kernels read one tensor while other CTAs write another: the two must not share
/// memory, or a CTA reads what another already overwrote.
extension ArgumentChecker {
    func disjoint(_ name: String, _ a: DeviceTensorRef, _ otherName: String, _ b: DeviceTensorRef) throws(KernelArgumentError) {
        let aEnd = a.address + UInt64(a.count * a.dtype.byteSize), bEnd = b.address + UInt64(b.count * b.dtype.byteSize)
        guard a.address >= bEnd || b.address >= aEnd else {
            throw fail(name, "overlaps '\(otherName)'; the fused kernel reads one while it writes the other, so pass separate buffers")
        }
    }

    /// Every written tensor apart from `input` and from each other (a fused kernel reads the
    /// input while it writes them all).
    func disjoint(written: [(name: String, ref: DeviceTensorRef)], input: (name: String, ref: DeviceTensorRef))
        throws(KernelArgumentError) {
        for (i, w) in written.enumerated() {
            try disjoint(w.name, w.ref, input.name, input.ref)
            for other in written[..<i] { try disjoint(w.name, w.ref, other.name, other.ref) }
        }
    }
}
