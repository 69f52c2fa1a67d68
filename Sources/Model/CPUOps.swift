// The op set on the CPU: float32 activations in host buffers, weights in HostMatrix
// formats, matrix products split over the cores by output rows.

import Attention

public final class CPUOps: ModelOps {
    public typealias Tensor = HostBuffer<Float>
    public typealias Indices = HostBuffer<Int32>
    public typealias Weight = HostMatrix
    public typealias Vector = HostBuffer<Float>

    public let threads: Int
    /// SIMD kernels in optimized builds, scalar loops in debug builds (see KernelFlavor).
    public let flavor: KernelFlavor

    public init(threads: Int = HostThreads.count, flavor: KernelFlavor = .preferred) {
        self.threads = max(1, threads)
        self.flavor = flavor
    }

    public func makeTensor(count: Int) -> HostBuffer<Float> { HostBuffer(count: count, repeating: 0) }
    public func makeIndices(count: Int) -> HostBuffer<Int32> { HostBuffer(count: count, repeating: 0) }

    public func write(_ values: [Int32], to indices: HostBuffer<Int32>) {
        precondition(values.count <= indices.count, "CPUOps.write: \(values.count) values into \(indices.count)")
        values.withUnsafeBufferPointer { indices.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    public func read(_ tensor: HostBuffer<Float>, count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: tensor.pointer, count: count))
    }

    public func makeWeight(_ tensor: LoadedTensor) throws(ModelError) -> HostMatrix { try HostMatrix(tensor) }
    public func makeVector(_ values: [Float]) -> HostBuffer<Float> { HostBuffer(values) }

    public func embed(tokens: HostBuffer<Int32>, rows: Int, table: HostMatrix, into out: HostBuffer<Float>) {
        for t in 0 ..< rows {
            let token = Int(tokens[t])
            precondition(token >= 0 && token < table.rows, "embed: token id \(token) is outside the vocabulary of \(table.rows)")
            table.decode(row: token, into: out.pointer + t * table.columns)
        }
    }

    public func rmsNorm(_ x: HostBuffer<Float>, weight: HostBuffer<Float>, epsilon: Float, rows: Int, width: Int,
                        into out: HostBuffer<Float>) {
        for r in 0 ..< rows {
            let row = x.pointer + r * width
            let meanSquare = HostMath.dot(row, row, count: width, flavor: flavor) / Float(width)
            let scale = 1 / (meanSquare + epsilon).squareRoot()
            let target = out.pointer + r * width
            for i in 0 ..< width { target[i] = row[i] * scale * weight[i] }
        }
    }

    public func addRMSNorm(residual: HostBuffer<Float>, adding x: HostBuffer<Float>, weight: HostBuffer<Float>,
                           epsilon: Float, rows: Int, width: Int, into out: HostBuffer<Float>) {
        for i in 0 ..< rows * width { residual[i] += x[i] }
        rmsNorm(residual, weight: weight, epsilon: epsilon, rows: rows, width: width, into: out)
    }

    public func linear(_ x: HostBuffer<Float>, rows: Int, weight: HostMatrix, bias: HostBuffer<Float>?,
                       into out: HostBuffer<Float>) {
        let outputs = weight.rows, inputs = weight.columns
        precondition(x.count >= rows * inputs && out.count >= rows * outputs,
                     "linear: buffers too small for \(rows) x [\(outputs), \(inputs)]")
        // More chunks than threads lets a core that finishes early (or was not preempted) take more.
        let chunks = rows * outputs * inputs < 1 << 16 ? 1 : min(outputs, threads * 4)
        let perChunk = (outputs + chunks - 1) / chunks
        HostThreads.parallelFor(chunks) { chunk in
            let range = chunk * perChunk ..< min(outputs, (chunk + 1) * perChunk)
            if rows <= 2 {
                // Decode: expand each weight once per token, in registers.
                for t in 0 ..< rows {
                    let input = x.pointer + t * inputs, output = out.pointer + t * outputs
                    for r in range { output[r] = weight.dot(row: r, input, flavor: flavor) + (bias?[r] ?? 0) }
                }
            } else {
                // Prefill: expand each weight row once, then reuse it for every token.
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: inputs)
                defer { scratch.deallocate() }
                for r in range {
                    weight.decode(row: r, into: scratch)
                    let b = bias?[r] ?? 0
                    for t in 0 ..< rows {
                        out[t * outputs + r] = HostMath.dot(scratch, x.pointer + t * inputs, count: inputs, flavor: flavor) + b
                    }
                }
            }
        }
    }

    public func rotaryTables(positions: HostBuffer<Int32>, rows: Int, inverseFrequencies: HostBuffer<Float>,
                             cos: HostBuffer<Float>, sin: HostBuffer<Float>) {
        let half = inverseFrequencies.count
        for t in 0 ..< rows {
            for i in 0 ..< half {
                // float32 angle, as Hugging Face computes it (positions · inv_freq in float32).
                let angle = Float(positions[t]) * inverseFrequencies[i]
                cos[t * half + i] = Float(HostMath.cosine(Double(angle)))
                sin[t * half + i] = Float(HostMath.sine(Double(angle)))
            }
        }
    }

    public func applyRotary(_ x: HostBuffer<Float>, rows: Int, heads: Int, headDim: Int,
                            cos: HostBuffer<Float>, sin: HostBuffer<Float>) {
        let half = headDim / 2
        for t in 0 ..< rows {
            let c = cos.pointer + t * half, s = sin.pointer + t * half
            for h in 0 ..< heads {
                let v = x.pointer + (t * heads + h) * headDim
                for i in 0 ..< half {
                    let a = v[i], b = v[i + half]
                    v[i] = a * c[i] - b * s[i]
                    v[i + half] = b * c[i] + a * s[i]
                }
            }
        }
    }

    public func siluMul(gate: HostBuffer<Float>, up: HostBuffer<Float>, count: Int, into out: HostBuffer<Float>) {
        for i in 0 ..< count {
            let g = gate[i]
            out[i] = g / (1 + HostMath.exp(-g)) * up[i]
        }
    }

    public func gatherRows(_ x: HostBuffer<Float>, rowIndices: HostBuffer<Int32>, rows: Int, width: Int,
                           into out: HostBuffer<Float>) {
        for i in 0 ..< rows {
            (out.pointer + i * width).update(from: x.pointer + Int(rowIndices[i]) * width, count: width)
        }
    }
}
