// The CUDA op set's kernels: each op checks that its inputs were written, fixes the type
// of its output on first use, validates and launches (launchers throw before launching
// on a bad argument; the error is recorded, see CUDAModelOps.perform).

import CUDA
import Kernels

extension CUDAModelOps {
    /// The written tensor `tensor` as a kernel argument.
    func input(_ tensor: DeviceTensor, _ op: String, _ argument: String) throws(CUDAModelOpsError) -> DeviceTensorRef {
        guard let ref = tensor.ref else { throw .unwritten(op: op, argument: argument) }
        return ref
    }

    func output(_ tensor: DeviceTensor, _ dtype: KernelDType) throws -> DeviceTensorRef {
        try tensor.output(dtype, source: allocator)
    }

    func required<T>(_ value: T?, _ op: String, _ argument: String) throws(CUDAModelOpsError) -> T {
        guard let value else { throw .unallocated(op: op, argument: argument) }
        return value
    }

    public func embed(tokens: CUDAIndices, rows: Int, table: CUDAWeight, into out: DeviceTensor) {
        perform("embed") {
            let params = try GatherRowsKernel.makeParams(
                source: try required(table.ref, "embed", "table"), sourceRows: table.rows,
                indices: try required(tokens.ref, "embed", "tokens"), out: try output(out, table.dtype), rows: rows,
                width: table.columns, badIndex: badTokenFlag)
            try gather.launch(params: params, stream: stream)
        }
    }

    public func rmsNorm(_ x: DeviceTensor, weight: CUDAVector, epsilon: Float, rows: Int, width: Int, into out: DeviceTensor) {
        perform("rmsNorm") {
            let source = try input(x, "rmsNorm", "x")
            try norm.launch(x: source, weight: try required(weight.halfRef, "rmsNorm", "weight"),
                            out: try output(out, source.dtype), rows: rows, hidden: width, eps: epsilon, stream: stream)
        }
    }

    public func addRMSNorm(residual: DeviceTensor, adding x: DeviceTensor, weight: CUDAVector, epsilon: Float,
                           rows: Int, width: Int, into out: DeviceTensor) {
        perform("addRMSNorm") {
            let addend = try input(x, "addRMSNorm", "x")
            try norm.launch(x: addend, residual: try input(residual, "addRMSNorm", "residual"),
                            weight: try required(weight.halfRef, "addRMSNorm", "weight"),
                            out: try output(out, addend.dtype), rows: rows, hidden: width, eps: epsilon, stream: stream)
        }
    }

    public func rotaryTables(positions: CUDAIndices, rows: Int, inverseFrequencies: CUDAVector,
                             cos: DeviceTensor, sin: DeviceTensor) {
        perform("rotaryTables") {
            let params = try RotaryKernel.makeTablesParams(
                positions: try required(positions.ref, "rotaryTables", "positions"),
                inverseFrequencies: try required(inverseFrequencies.floatRef, "rotaryTables", "inverseFrequencies"),
                cos: try output(cos, .f32), sin: try output(sin, .f32), rows: rows, half: inverseFrequencies.count)
            try rotary.launchTables(params: params, stream: stream)
        }
    }

    public func applyRotary(_ x: DeviceTensor, rows: Int, heads: Int, headDim: Int, cos: DeviceTensor, sin: DeviceTensor) {
        perform("applyRotary") {
            let target = try input(x, "applyRotary", "x")
            let params = try RotaryKernel.makeApplyParams(
                x: target, cos: try input(cos, "applyRotary", "cos"), sin: try input(sin, "applyRotary", "sin"),
                rows: rows, heads: heads, headDim: headDim)
            try rotary.launchApply(params: params, dtype: target.dtype, stream: stream)
        }
    }

    public func siluMul(gate: DeviceTensor, up: DeviceTensor, count: Int, into out: DeviceTensor) {
        perform("siluMul") {
            let g = try input(gate, "siluMul", "gate")
            let params = try SiLUMulKernel.makeParams(gate: g, up: try input(up, "siluMul", "up"),
                                                      out: try output(out, g.dtype), count: count)
            try siluMulKernel.launch(params: params, dtype: g.dtype, stream: stream)
        }
    }

    public func gatherRows(_ x: DeviceTensor, rowIndices: CUDAIndices, rows: Int, width: Int, into out: DeviceTensor) {
        perform("gatherRows") {
            let source = try input(x, "gatherRows", "x")
            let params = try GatherRowsKernel.makeParams(
                source: source, sourceRows: source.count / width, indices: try required(rowIndices.ref, "gatherRows", "rowIndices"),
                out: try output(out, source.dtype), rows: rows, width: width)
            try gather.launch(params: params, stream: stream)
        }
    }
}
