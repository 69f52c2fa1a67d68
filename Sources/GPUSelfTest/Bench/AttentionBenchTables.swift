import Foundation

/// The printed form of an attention bench report: markdown tables (ready for
/// bench/RESULTS.md), ours beside each reference with ratios, then how it was measured.
public enum AttentionBenchTables {
    public static func lines(_ report: AttentionBenchReport) -> [String] {
        let copy = max(report.copyGigabytesPerSecondStart, report.copyGigabytesPerSecondEnd)
        var out = ["", "\(report.device)",
                   String(format: "device-to-device copy in this run: %.0f GB/s at the start, %.0f at the end "
                          + "(bytes read + written; the ratios use the higher)",
                          report.copyGigabytesPerSecondStart, report.copyGigabytesPerSecondEnd)]
        if let rows = report.decode { out += [""] + decode(rows, copy: copy) }
        if let rows = report.prefill { out += [""] + prefill(rows) }
        out += ["", "timing: \(report.timing)"]
        out += report.references.map { "references: \($0)" }
        return out
    }

    static func decode(_ rows: [DecodeBenchRow], copy: Double) -> [String] {
        var out = [
            "paged decode, 32 q / 8 kv heads, head dim 128, bf16, pages in random order (µs per call; "
                + "time ratios: > 1 means ours is faster)",
            "| bs × ctx | P | K+V MB | ours µs | GB/s | / copy | SDPA cuDNN µs | FI tc µs | FI cc µs | SDPA / ours "
                + "| FI best / ours | check |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows {
            let check = r.passed ? String(format: "ok %.1e", r.sampledError)
                : (r.outputsFinite ? String(format: "FAIL %.1e", r.sampledError) : "FAIL: unwritten/NaN")
            out.append("| \(r.batch) × \(r.context) | \(r.pageSize) | \(f(r.kvMegabytes, 1)) | \(f(r.microseconds, 1)) "
                       + "| \(f(r.gigabytesPerSecond, 0)) | \(f(r.ratioToCopy, 2)) | \(f(r.sdpaMicroseconds, 1)) "
                       + "| \(f(r.flashInferTensorCoreMicroseconds, 1)) | \(f(r.flashInferCudaCoreMicroseconds, 1)) "
                       + "| \(ratio(r.sdpaMicroseconds, r.microseconds)) "
                       + "| \(ratio(r.flashInferBestMicroseconds, r.microseconds)) | \(check) |")
        }
        let notes = rows.compactMap { r in r.referenceNote.map { "  \(r.batch) × \(r.context) P=\(r.pageSize): \($0)" } }
        if !notes.isEmpty { out += ["reference notes:"] + notes }
        out.append(String(format: "GB/s counts the K and V bytes one call reads; / copy divides by %.0f GB/s. "
                          + "SDPA runs on dense K/V (the P column does not apply to it).", copy))
        return out
    }

    static func prefill(_ rows: [PrefillBenchRow]) -> [String] {
        var out = [
            "attention prefill, 16k tokens per batch, 32 q heads (16 at hd 256), MHA, bf16 (TFLOP/s; "
                + "ratios > 1 mean ours is faster; pg16 = ours on a paged pool, P = 16, pages in random order)",
            "| hd | seq | causal | ours | pg16 | cuDNN | FA2 | FlashInfer | ours / cuDNN | ours / FA2 | ours / FI "
                + "| pg16 / ours | check |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows {
            let worst = max(r.sampledError, r.pagedSampledError)
            let check = r.passed ? String(format: "ok %.1e", worst)
                : (r.outputsFinite ? String(format: "FAIL %.1e", worst) : "FAIL: unwritten/NaN")
            out.append("| \(r.headDim) | \(r.sequence / 1024)k | \(r.causal ? "yes" : "no") | \(f(r.teraflops, 0)) "
                       + "| \(f(r.pagedTeraflops, 0)) | \(f(r.cudnnTeraflops, 0)) | \(f(r.fa2Teraflops, 0)) "
                       + "| \(f(r.flashInferTeraflops, 0)) | \(ratio(r.teraflops, r.cudnnTeraflops)) "
                       + "| \(ratio(r.teraflops, r.fa2Teraflops)) | \(ratio(r.teraflops, r.flashInferTeraflops)) "
                       + "| \(ratio(r.pagedTeraflops, r.teraflops)) | \(check) |")
        }
        let notes = rows.compactMap { r in
            r.referenceNote.map { "  hd\(r.headDim) \(r.sequence) \(r.causal ? "causal" : "non-causal"): \($0)" }
        }
        if !notes.isEmpty { out += ["reference notes:"] + notes }
        out.append("FLOPs: 4·S²·D·H per sequence, halved when causal.")
        return out
    }

    /// A number with `digits` decimals, or "–" when not measured.
    static func f(_ value: Double?, _ digits: Int) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    /// numerator / denominator to two decimals, or "–".
    static func ratio(_ numerator: Double?, _ denominator: Double?) -> String {
        guard let numerator, let denominator, numerator.isFinite, denominator.isFinite, denominator > 0 else { return "–" }
        return String(format: "%.2f", numerator / denominator)
    }
}
