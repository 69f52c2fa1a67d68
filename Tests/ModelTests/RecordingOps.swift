// An op set that is the CPU op set plus its own fused steps, which count their calls and
// then run the composed sequence: a forward over it shows which entry points the model
// reaches through the protocol.
import Attention
import Model

final class RecordingOps: ModelOps {
    typealias Tensor = HostBuffer<Float>
    typealias Indices = HostBuffer<Int32>
    typealias Weight = HostMatrix
    typealias Vector = HostBuffer<Float>

    let inner: CPUOps
    private(set) var calls: [String: Int] = [:]

    init(_ inner: CPUOps) { self.inner = inner }

    private func count(_ name: String) { calls[name, default: 0] += 1 }

    // The fused steps: recorded, then composed from the ops below.
    func applyRotary(q: Tensor, k: Tensor, rows: Int, heads: Int, kvHeads: Int, headDim: Int, cos: Tensor, sin: Tensor) {
        count("applyRotary(q:k:)")
        composedApplyRotary(q: q, k: k, rows: rows, heads: heads, kvHeads: kvHeads, headDim: headDim, cos: cos, sin: sin)
    }

    func rotatedLinears(_ x: Tensor, rows: Int, q: LinearProduct<RecordingOps>, k: LinearProduct<RecordingOps>,
                        v: LinearProduct<RecordingOps>, heads: Int, kvHeads: Int, headDim: Int, cos: Tensor, sin: Tensor) {
        count("rotatedLinears")
        composedRotatedLinears(x, rows: rows, q: q, k: k, v: v, heads: heads, kvHeads: kvHeads, headDim: headDim,
                               cos: cos, sin: sin)
    }

    func gatedLinear(_ x: Tensor, rows: Int, gate: Weight, up: Weight, outFeatures: Int, upScratch: Tensor, into out: Tensor) {
        count("gatedLinear")
        composedGatedLinear(x, rows: rows, gate: gate, up: up, outFeatures: outFeatures, upScratch: upScratch, into: out)
    }

    func linearAddRMSNorm(_ x: Tensor, rows: Int, weight: Weight, projected: Tensor, residual: Tensor, normWeight: Vector,
                          epsilon: Float, width: Int, into normed: Tensor) {
        count("linearAddRMSNorm")
        composedLinearAddRMSNorm(x, rows: rows, weight: weight, projected: projected, residual: residual,
                                 normWeight: normWeight, epsilon: epsilon, width: width, into: normed)
    }

    // Everything else is the CPU op set's.
    func makeTensor(count: Int) -> Tensor { inner.makeTensor(count: count) }
    func makeIndices(count: Int) -> Indices { inner.makeIndices(count: count) }
    func write(_ values: [Int32], to indices: Indices) { inner.write(values, to: indices) }
    func read(_ tensor: Tensor, count: Int) -> [Float] { inner.read(tensor, count: count) }
    func makeWeight(_ tensor: LoadedTensor) throws(ModelError) -> Weight { try inner.makeWeight(tensor) }
    func makeVector(_ values: [Float]) -> Vector { inner.makeVector(values) }
    func embed(tokens: Indices, rows: Int, table: Weight, into out: Tensor) {
        inner.embed(tokens: tokens, rows: rows, table: table, into: out)
    }
    func rmsNorm(_ x: Tensor, weight: Vector, epsilon: Float, rows: Int, width: Int, into out: Tensor) {
        inner.rmsNorm(x, weight: weight, epsilon: epsilon, rows: rows, width: width, into: out)
    }
    func addRMSNorm(residual: Tensor, adding x: Tensor, weight: Vector, epsilon: Float, rows: Int, width: Int,
                    into out: Tensor) {
        inner.addRMSNorm(residual: residual, adding: x, weight: weight, epsilon: epsilon, rows: rows, width: width, into: out)
    }
    func linear(_ x: Tensor, rows: Int, weight: Weight, bias: Vector?, into out: Tensor) {
        inner.linear(x, rows: rows, weight: weight, bias: bias, into: out)
    }
    func rotaryTables(positions: Indices, rows: Int, inverseFrequencies: Vector, cos: Tensor, sin: Tensor) {
        inner.rotaryTables(positions: positions, rows: rows, inverseFrequencies: inverseFrequencies, cos: cos, sin: sin)
    }
    func applyRotary(_ x: Tensor, rows: Int, heads: Int, headDim: Int, cos: Tensor, sin: Tensor) {
        inner.applyRotary(x, rows: rows, heads: heads, headDim: headDim, cos: cos, sin: sin)
    }
    func siluMul(gate: Tensor, up: Tensor, count: Int, into out: Tensor) {
        inner.siluMul(gate: gate, up: up, count: count, into: out)
    }
    func gatherRows(_ x: Tensor, rowIndices: Indices, rows: Int, width: Int, into out: Tensor) {
        count("gatherRows")
        inner.gatherRows(x, rowIndices: rowIndices, rows: rows, width: width, into: out)
    }
}
