// The CUDA op set's linear layers: cuBLASLt in general, the skinny kernels for decode
// steps of few rows (one launch for all the products that share an input), as `skinnyPaths`
// (SkinnyPathPolicy) chooses: the FMA one for the fewest rows, the tensor-core one above it
// for short input rows.

import CUDA
import Kernels

extension CUDAModelOps {
    /// out = x · weightᵀ (+ bias); the output head (the vocabulary matrix) writes float32
    /// logits, every other layer the activation type.
    public func linear(_ x: DeviceTensor, rows: Int, weight: CUDAWeight, bias: CUDAVector?, into out: DeviceTensor) {
        linears(x, rows: rows, [LinearProduct(weight, bias: bias, into: out)])
    }

    public func linears(_ x: DeviceTensor, rows: Int, _ products: [LinearProduct<CUDAModelOps>]) {
        perform("linear(\(products.map(\.weight.name).joined(separator: ", ")))") {
            let source = try input(x, "linear", "x")
            let inFeatures = products[0].weight.columns
            let oneLaunch = products.count <= SkinnyLinearKernel.maxSegments
                && products.allSatisfy({ $0.weight.columns == inFeatures && $0.weight.isVocabularyMatrix == products[0].weight.isVocabularyMatrix })
            switch skinnyPaths.path(rows: rows, inFeatures: inFeatures, outFeatures: products.lazy.map(\.weight.rows),
                                    dtype: activation, oneLaunch: oneLaunch) {
            case .fma:
                try skinny.launch(x: source, products: try skinnyProducts(products), rows: rows, inFeatures: inFeatures,
                                  stream: stream)
            case .tensorCores:
                try skinnyMMA.launch(x: source, products: try skinnyProducts(products), rows: rows, inFeatures: inFeatures,
                                     stream: stream)
            case .cuBLASLt:
                for p in products { try blasLinear(source, rows: rows, weight: p.weight, bias: p.bias, into: p.out) }
            }
        }
    }

    private func skinnyProducts(_ products: [LinearProduct<CUDAModelOps>]) throws -> [SkinnyLinearKernel.Product] {
        try products.map { p throws in
            let logits = p.weight.isVocabularyMatrix
            return SkinnyLinearKernel.Product(
                weight: try required(p.weight.ref, "linear", "weight"), bias: try biasRef(p.bias, logits: logits),
                out: try output(p.out, logits ? .f32 : activation), outFeatures: p.weight.rows)
        }
    }

    private func biasRef(_ bias: CUDAVector?, logits: Bool) throws(CUDAModelOpsError) -> DeviceTensorRef? {
        guard let bias else { return nil }
        return logits ? try required(bias.floatRef, "linear", "bias") : try required(bias.halfRef, "linear", "bias")
    }

    private func blasLinear(_ source: DeviceTensorRef, rows: Int, weight: CUDAWeight, bias: CUDAVector?,
                            into out: DeviceTensor) throws {
        let element: GEMMElement = activation == .bf16 ? .bf16 : .f16
        let logits = weight.isVocabularyMatrix
        let shape = LinearShape(rows: rows, inFeatures: weight.columns, outFeatures: weight.rows, input: element,
                                output: logits ? .f32 : element, hasBias: bias != nil)
        let target = try output(out, logits ? .f32 : activation)
        var biasOperand: GEMMOperand?
        if let bias {
            biasOperand = logits ? try required(bias.float, "linear", "bias").operand(.f32)
                : try required(bias.half, "linear", "bias").operand(element)
        }
        try blas.linear(shape, x: GEMMOperand(address: source.address, count: source.count, element: try gemmElement(source)),
                        weight: try required(weight.operand, "linear", "weight"), bias: biasOperand,
                        out: GEMMOperand(address: target.address, count: target.count, element: try gemmElement(target)),
                        stream: stream)
    }

    private func gemmElement(_ ref: DeviceTensorRef) throws(CUDAModelOpsError) -> GEMMElement {
        switch ref.dtype {
        case .bf16: return .bf16
        case .f16: return .f16
        case .f32: return .f32
        case .i32: throw .failed(op: "linear", reason: "an int32 tensor cannot be a matrix operand")
        }
    }
}
