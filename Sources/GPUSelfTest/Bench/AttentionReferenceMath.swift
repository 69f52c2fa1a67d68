import CUDA
import Foundation
import Kernels

/// Float64 attention of one query row over `keys` keys: softmax(q·kⱼ · scale) · vⱼ.
/// `key(j, d)` / `value(j, d)` read element d of key j (the inputs are tiled random patterns,
/// so the reference reads them without a download).
func referenceAttentionRow(query: [Double], keys: Int, scale: Double,
                           key: (Int, Int) -> Double, value: (Int, Int) -> Double) -> [Double] {
    referenceAttention(query: query, keys: keys, scale: scale, key: key, value: value).output
}

/// As `referenceAttentionRow`, with an optional logit softcap (logit = cap · tanh(logit / cap)),
/// and the row's log-sum-exp of the (capped) logits, natural log.
func referenceAttention(query: [Double], keys: Int, scale: Double, softcap: Double? = nil,
                        key: (Int, Int) -> Double, value: (Int, Int) -> Double) -> (output: [Double], lse: Double) {
    let dim = query.count
    var logits = [Double](repeating: 0, count: keys)
    var maxLogit = -Double.infinity
    for j in 0..<keys {
        var dot = 0.0
        for d in 0..<dim { dot += query[d] * key(j, d) }
        let x = dot * scale
        logits[j] = softcap.map { $0 * tanh(x / $0) } ?? x
        maxLogit = max(maxLogit, logits[j])
    }
    var out = [Double](repeating: 0, count: dim)
    var sum = 0.0
    for j in 0..<keys {
        let p = exp(logits[j] - maxLogit)
        sum += p
        for d in 0..<dim { out[d] += p * value(j, d) }
    }
    return (out.map { $0 / sum }, maxLogit + log(sum))
}

/// A bf16 output buffer (poisoned with NaN before the launches) and whether every element
/// was written with a finite value (bf16 NaN and infinity have all eight exponent bits set).
func downloadFinite(_ buffer: DeviceBuffer<UInt16>, stream: CUDAStream) throws -> (bits: [UInt16], allFinite: Bool) {
    let bits = try buffer.download(stream: stream)
    return (bits, bits.allSatisfy { $0 & 0x7F80 != 0x7F80 })
}

/// Elements `range` of bf16 bits as floats.
func floats(_ bits: [UInt16], _ range: Range<Int>) -> [Float] { bits[range].map { HalfPrecision.float(bf16Bits: $0) } }

/// Our decode output of rotation copy 0 against float64 on up to four random (request, kv
/// head) pairs, all q heads of each group.
struct DecodeReferenceCheck {
    let error: Double
    let allFinite: Bool

    init(_ env: SelfTestEnvironment, layout: PagedLayout, k: TiledRandomMatrix, v: TiledRandomMatrix,
         q: [UInt16], o: DeviceBuffer<UInt16>, context: Int) throws {
        let (got, finite) = try downloadFinite(o, stream: env.stream)
        allFinite = finite
        let qHeads = DecodeAttentionBench.qHeads, kvHeads = DecodeAttentionBench.kvHeads
        let dim = DecodeAttentionBench.headDim, group = qHeads / kvHeads
        var pairs = Set<Int>()
        let wanted = min(4, layout.batch * kvHeads)
        while pairs.count < wanted { pairs.insert(Int(env.random.next() % UInt64(layout.batch * kvHeads))) }
        var gotRows: [Float] = [], expectedRows: [Float] = []
        for pair in pairs.sorted() {
            let (b, h) = (pair / kvHeads, pair % kvHeads)
            // The group's keys and values, gathered once through the page table.
            let base = (0..<context).map { (layout.slot(copy: 0, request: b, token: $0) * kvHeads + h) * dim }
            for g in 0..<group {
                let head = h * group + g
                let query = (0..<dim).map { Double(HalfPrecision.float(bf16Bits: q[(b * qHeads + head) * dim + $0])) }
                let row = referenceAttentionRow(query: query, keys: context, scale: 1 / Double(dim).squareRoot(),
                                                key: { Double(k[base[$0] + $1]) }, value: { Double(v[base[$0] + $1]) })
                expectedRows += row.map { Float($0) }
                gotRows += floats(got, ((b * qHeads + head) * dim)..<((b * qHeads + head + 1) * dim))
            }
        }
        let e = relativeL2Error(gotRows, expectedRows)
        error = e.isNaN ? .infinity : e
    }
}
