// A weight matrix in the CPU's formats. Checkpoint encodings that the CPU can read
// exactly and cheaply stay compact (bf16, Q8_0, Q4_0, Q4_1: 2 to 8x less memory traffic
// per token than float32); everything else is dequantized to float32 at load.
//
// Compact formats are repacked so that SIMD lanes of 32-bit words line up with
// consecutive elements (no byte shuffles, which baseline x86-64 lacks):
//   bf16: per 16 elements, word c holds element c (low half) and element 8 + c (high half).
//   q8:   per 32-element block, byte k of word w holds element 8k + w (int8).
//   q4:   per 32-element block, nibble k of word w holds element 4k + w; x = q * scale + offset
//         (Q4_1: offset = m; Q4_0: offset = -8 scale, so q * d - 8d = (q - 8) d exactly).

import Attention
import GGUF

public final class HostMatrix: @unchecked Sendable {  // immutable after init
    public enum Format: Sendable { case f32, bf16, q8, q4 }

    public let rows: Int
    public let columns: Int
    public let format: Format
    let floats: HostBuffer<Float>?
    let words: HostBuffer<UInt32>?
    /// Per 32-element block: scale (q8, q4) and offset (q4).
    let scales: HostBuffer<Float>?
    let offsets: HostBuffer<Float>?

    public init(_ tensor: LoadedTensor) throws(ModelError) {
        guard tensor.shape.count == 2 else {
            throw .wrongShape(name: tensor.name, expected: [tensor.shape.first ?? 0, tensor.elementCount / max(tensor.shape.first ?? 1, 1)], found: tensor.shape)
        }
        rows = tensor.shape[0]
        columns = tensor.shape[1]
        let blocks = rows * columns / 32
        let source = tensor.bytes.baseAddress!
        // Plain while-loops: a debug build repacks a 135M-parameter model in seconds, not minutes.
        switch tensor.type {
        case .bf16 where columns % 16 == 0:
            format = .bf16
            let halves = source.assumingMemoryBound(to: UInt16.self)
            let packed = HostBuffer<UInt32>(count: rows * columns / 2, repeating: 0)
            var i = 0
            while i < rows * columns / 2 {
                let group = i / 8, c = i % 8
                packed[i] = UInt32(halves[group * 16 + c]) | UInt32(halves[group * 16 + 8 + c]) << 16
                i &+= 1
            }
            (floats, words, scales, offsets) = (nil, packed, nil, nil)
        case .q8_0 where columns % 32 == 0:
            format = .q8
            let packed = HostBuffer<UInt32>(count: blocks * 8, repeating: 0)
            let scale = HostBuffer<Float>(count: blocks, repeating: 0)
            var b = 0
            while b < blocks {
                let block = source + b * 34
                scale[b] = float16ToFloat(block.loadUnaligned(as: UInt16.self))
                let quants = (block + 2).assumingMemoryBound(to: UInt8.self)
                var w = 0
                while w < 8 {  // byte k of word w = element 8k + w
                    packed[b * 8 + w] = UInt32(quants[w]) | UInt32(quants[8 + w]) << 8
                        | UInt32(quants[16 + w]) << 16 | UInt32(quants[24 + w]) << 24
                    w &+= 1
                }
                b &+= 1
            }
            (floats, words, scales, offsets) = (nil, packed, scale, nil)
        case .q4_0 where columns % 32 == 0, .q4_1 where columns % 32 == 0:
            format = .q4
            let isQ4_1 = tensor.type == .q4_1
            let blockBytes = isQ4_1 ? 20 : 18
            let packed = HostBuffer<UInt32>(count: blocks * 4, repeating: 0)
            let scale = HostBuffer<Float>(count: blocks, repeating: 0)
            let offset = HostBuffer<Float>(count: blocks, repeating: 0)
            var b = 0
            while b < blocks {
                let block = source + b * blockBytes
                let d = float16ToFloat(block.loadUnaligned(as: UInt16.self))
                scale[b] = d
                offset[b] = isQ4_1 ? float16ToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) : -8 * d
                let quants = (block + (isQ4_1 ? 4 : 2)).assumingMemoryBound(to: UInt8.self)
                var w = 0
                while w < 4 {  // nibble k of word w = element 4k + w; elements < 16 are low nibbles
                    var word: UInt32 = 0
                    var k = 0
                    while k < 8 {
                        let e = 4 * k + w
                        let byte = quants[e % 16]
                        word |= UInt32(e < 16 ? byte & 0x0F : byte >> 4) << UInt32(4 * k)
                        k &+= 1
                    }
                    packed[b * 4 + w] = word
                    w &+= 1
                }
                b &+= 1
            }
            (floats, words, scales, offsets) = (nil, packed, scale, offset)
        default:
            format = .f32
            (floats, words, scales, offsets) = (HostBuffer(try tensor.floats()), nil, nil, nil)
        }
    }

    /// Bytes the weights take in memory (what a decode step streams).
    public var byteCount: Int {
        [floats.map { $0.count * 4 }, words.map { $0.count * 4 }, scales.map { $0.count * 4 }, offsets.map { $0.count * 4 }]
            .compactMap { $0 }.reduce(0, +)
    }
}
