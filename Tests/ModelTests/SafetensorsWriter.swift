// Writes .safetensors files (8-byte header length, JSON header, data) for tests.
import Foundation

enum SafetensorsWriter {
    struct Tensor {
        var name: String
        var shape: [Int]
        var dtype: String
        var bytes: [UInt8]

        static func float32(_ name: String, shape: [Int], _ values: [Float]) -> Tensor {
            Tensor(name: name, shape: shape, dtype: "F32", bytes: values.withUnsafeBytes { Array($0) })
        }

        /// bf16 by truncation (the test compares against the same truncated values).
        static func bfloat16(_ name: String, shape: [Int], _ values: [Float]) -> Tensor {
            let halves = values.map { UInt16($0.bitPattern >> 16) }
            return Tensor(name: name, shape: shape, dtype: "BF16", bytes: halves.withUnsafeBytes { Array($0) })
        }

        static func float16(_ name: String, shape: [Int], _ values: [Float]) -> Tensor {
            let halves = values.map { Float16($0).bitPattern }
            return Tensor(name: name, shape: shape, dtype: "F16", bytes: halves.withUnsafeBytes { Array($0) })
        }
    }

    static func bytes(_ tensors: [Tensor]) throws -> [UInt8] {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for tensor in tensors {
            header[tensor.name] = ["dtype": tensor.dtype, "shape": tensor.shape, "data_offsets": [offset, offset + tensor.bytes.count]]
            offset += tensor.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        out += json
        for tensor in tensors { out += tensor.bytes }
        return out
    }

    static func write(_ tensors: [Tensor], to url: URL) throws {
        try Data(bytes(tensors)).write(to: url)
    }
}
