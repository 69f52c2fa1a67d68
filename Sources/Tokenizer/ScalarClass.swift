// The four character classes the pre-tokenizer regexes test (\p{L}, \p{N}, \s and [\r\n]),
// computed once per scalar so the hand-written scanners never touch a regex engine.

/// Bit set of the classes one scalar belongs to; 0 means "none of them" (punctuation, symbols,
/// marks, controls, unassigned...).
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt8

    /// General category L* (Lu, Ll, Lt, Lm, Lo).
    static let letter = ScalarClass(rawValue: 1)
    /// General category N* (Nd, Nl, No) — what both `\p{N}` and Rust's `char::is_numeric` mean.
    static let number = ScalarClass(rawValue: 2)
    /// The Unicode White_Space property, which is what Oniguruma's `\s` matches.
    static let whitespace = ScalarClass(rawValue: 4)
    /// CR or LF only (the regexes' `[\r\n]`); always together with `.whitespace`.
    static let newline = ScalarClass(rawValue: 8)

    private static let asciiTable: [ScalarClass] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

    static func of(_ scalar: Unicode.Scalar) -> ScalarClass {
        scalar.value < 128 ? asciiTable[Int(scalar.value)] : classify(scalar)
    }

    private static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        if scalar == "\r" || scalar == "\n" { return [.whitespace, .newline] }
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return []
        }
    }
}

/// One text segment decoded into scalars, with each scalar's class and UTF-8 offset, so the
/// scanners can look ahead by index and report pieces as byte ranges. Reused across segments
/// to avoid reallocating.
struct ScalarBuffer {
    private(set) var scalars: [UInt32] = []
    private(set) var classes: [ScalarClass] = []
    /// `byteOffsets[i]` is where scalar i starts; one extra entry holds the segment's end.
    private(set) var byteOffsets: [Int] = []

    var count: Int { scalars.count }

    mutating func load(_ utf8: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        scalars.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        byteOffsets.removeAll(keepingCapacity: true)
        var position = range.lowerBound
        while position < range.upperBound {
            let (scalar, length) = UTF8Scalars.decode(utf8, at: position)
            scalars.append(scalar.value)
            classes.append(ScalarClass.of(scalar))
            byteOffsets.append(position)
            position += length
        }
        byteOffsets.append(range.upperBound)
    }
}

/// Decoding one scalar from UTF-8 that is known to be valid (it came from a Swift String).
enum UTF8Scalars {
    @inline(__always)
    static func decode(_ utf8: UnsafeBufferPointer<UInt8>, at position: Int) -> (Unicode.Scalar, Int) {
        let lead = UInt32(utf8[position])
        if lead < 0x80 { return (Unicode.Scalar(UInt8(lead)), 1) }
        if lead < 0xE0 {
            let value = (lead & 0x1F) << 6 | UInt32(utf8[position + 1] & 0x3F)
            return (Unicode.Scalar(value)!, 2)
        }
        if lead < 0xF0 {
            let value = (lead & 0x0F) << 12 | UInt32(utf8[position + 1] & 0x3F) << 6
                | UInt32(utf8[position + 2] & 0x3F)
            return (Unicode.Scalar(value)!, 3)
        }
        let value = (lead & 0x07) << 18 | UInt32(utf8[position + 1] & 0x3F) << 12
            | UInt32(utf8[position + 2] & 0x3F) << 6 | UInt32(utf8[position + 3] & 0x3F)
        return (Unicode.Scalar(value)!, 4)
    }
}
