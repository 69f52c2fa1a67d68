"""A GGUF file's metadata alone: its header and key/values with a tensor count of 0, so that
`flashserve bench latency --load-format random` can read a model's config, tokenizer and chat
template on the GPU machine without carrying the weights (SmolLM2's 98 MB GGUF becomes 1.8 MB).

    python3 scripts/make-gguf-metadata.py SOURCE.gguf DEST.gguf
"""
import struct
import sys

# Byte sizes of GGUF's fixed-size value types (uint8 … float64, bool); 8 is a string, 9 an array.
FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def skip_value(data, kind, offset):
    if kind in FIXED:
        return offset + FIXED[kind]
    if kind == 8:
        (length,) = struct.unpack_from("<Q", data, offset)
        return offset + 8 + length
    if kind == 9:
        element, count = struct.unpack_from("<IQ", data, offset)
        offset += 12
        for _ in range(count):
            offset = skip_value(data, element, offset)
        return offset
    raise ValueError(f"unknown GGUF value type {kind} at byte {offset}")


def main():
    source, dest = sys.argv[1], sys.argv[2]
    data = open(source, "rb").read()
    if data[:4] != b"GGUF":
        sys.exit(f"{source} is not a GGUF file")
    (version,) = struct.unpack_from("<I", data, 4)
    tensors, keys = struct.unpack_from("<QQ", data, 8)
    start = offset = 24
    for _ in range(keys):
        (length,) = struct.unpack_from("<Q", data, offset)
        offset += 8 + length
        (kind,) = struct.unpack_from("<I", data, offset)
        offset = skip_value(data, kind, offset + 4)
    with open(dest, "wb") as f:
        f.write(b"GGUF" + struct.pack("<IQQ", version, 0, keys) + data[start:offset])
    print(f"{dest}: {keys} keys, {offset - start + 24} bytes ({tensors} tensors left out)")


if __name__ == "__main__":
    main()
