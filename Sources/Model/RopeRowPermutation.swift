// llama.cpp's converter reorders the rows of q_proj and k_proj (llama architecture only)
// so that its RoPE can rotate adjacent pairs: within each head, Hugging Face row
// (half, i) — first half then second half of the head — becomes GGUF row (i, half).
// Loading a GGUF for Hugging Face's half-split RoPE must undo that, or attention is garbage.

public enum RopeRowPermutation {
    /// The Hugging Face row that GGUF row `row` holds, for heads of `headDim` rows.
    @inline(__always)
    public static func huggingFaceRow(ofGGUFRow row: Int, headDim: Int) -> Int {
        let head = row / headDim, within = row % headDim
        let i = within / 2, half = within % 2
        return head * headDim + half * (headDim / 2) + i
    }

    /// Rows of `rowBytes` bytes in GGUF order → Hugging Face order. Works on any ggml
    /// type because a row is a whole number of quantization blocks.
    public static func undo(_ source: UnsafeRawBufferPointer, rows: Int, rowBytes: Int, headDim: Int,
                            into destination: UnsafeMutableRawBufferPointer) {
        precondition(rows % headDim == 0, "RopeRowPermutation: \(rows) rows is not whole heads of \(headDim)")
        precondition(source.count >= rows * rowBytes && destination.count >= rows * rowBytes,
                     "RopeRowPermutation: buffers smaller than \(rows) rows of \(rowBytes) bytes")
        for row in 0 ..< rows {
            let target = huggingFaceRow(ofGGUFRow: row, headDim: headDim)
            (destination.baseAddress! + target * rowBytes)
                .copyMemory(from: source.baseAddress! + row * rowBytes, byteCount: rowBytes)
        }
    }
}
