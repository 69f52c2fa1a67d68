// Python's str semantics over Unicode scalars. Python indexes, slices and measures strings by
// code point, and its whitespace set differs from Swift's Character properties, so `|trim`,
// `.split()`, `|length` and `content[:-1]` must be computed here, not with Swift defaults.

typealias Scalars = [Unicode.Scalar]

extension String {
    var scalars: Scalars { Array(unicodeScalars) }

    init(scalars: some Sequence<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self.init(view)
    }
}

enum PythonString {
    /// The characters for which Python's `str.isspace()` is true.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A,
             0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default:
            false
        }
    }

    /// Line boundaries for `str.splitlines()`.
    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x1C...0x1E, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// `str.strip(chars)`, `lstrip`, `rstrip`: without `chars`, Python whitespace.
    static func strip(_ text: String, chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let shouldStrip: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? isWhitespace($0) }
        var scalars = text.scalars[...]
        if leading { while let first = scalars.first, shouldStrip(first) { scalars.removeFirst() } }
        if trailing { while let last = scalars.last, shouldStrip(last) { scalars.removeLast() } }
        return String(scalars: scalars)
    }

    /// `str.split(sep, maxsplit)`. Without a separator, splits on whitespace runs and drops
    /// empty pieces; with one, splits on every occurrence and keeps empty pieces.
    static func split(_ text: String, separator: String?, maxSplit: Int) throws(ChatTemplateError) -> [String] {
        let scalars = text.scalars
        guard let separator else { return splitOnWhitespace(scalars, maxSplit: maxSplit) }
        let sep = separator.scalars
        guard !sep.isEmpty else { throw .typeError("empty separator") }
        var pieces: [String] = []
        var start = 0, index = 0
        while index + sep.count <= scalars.count, maxSplit < 0 || pieces.count < maxSplit {
            if scalars[index..<index + sep.count].elementsEqual(sep) {
                pieces.append(String(scalars: scalars[start..<index]))
                index += sep.count
                start = index
            } else {
                index += 1
            }
        }
        pieces.append(String(scalars: scalars[start...]))
        return pieces
    }

    private static func splitOnWhitespace(_ scalars: Scalars, maxSplit: Int) -> [String] {
        var pieces: [String] = []
        var index = 0
        while index < scalars.count {
            while index < scalars.count, isWhitespace(scalars[index]) { index += 1 }
            guard index < scalars.count else { break }
            if maxSplit >= 0, pieces.count == maxSplit {
                // Python keeps the remainder whole, trailing whitespace included.
                pieces.append(String(scalars: scalars[index...]))
                return pieces
            }
            let start = index
            while index < scalars.count, !isWhitespace(scalars[index]) { index += 1 }
            pieces.append(String(scalars: scalars[start..<index]))
        }
        return pieces
    }

    /// `str.rsplit(sep, maxsplit)`: like split, but the limit counts from the right.
    static func rsplit(_ text: String, separator: String?, maxSplit: Int) throws(ChatTemplateError) -> [String] {
        guard maxSplit >= 0 else { return try split(text, separator: separator, maxSplit: -1) }
        let reversedText = String(scalars: text.scalars.reversed())
        let reversedSep = separator.map { String(scalars: $0.scalars.reversed()) }
        let pieces = try split(reversedText, separator: reversedSep, maxSplit: maxSplit)
        return pieces.reversed().map { String(scalars: $0.scalars.reversed()) }
    }

    /// `str.splitlines(keepends)`; "\r\n" counts as one break.
    static func splitLines(_ text: String, keepEnds: Bool = false) -> [String] {
        let scalars = text.scalars
        var lines: [String] = []
        var start = 0, index = 0
        while index < scalars.count {
            guard isLineBreak(scalars[index]) else { index += 1; continue }
            var end = index + 1
            if scalars[index] == "\r", end < scalars.count, scalars[end] == "\n" { end += 1 }
            lines.append(String(scalars: scalars[start..<(keepEnds ? end : index)]))
            start = end
            index = end
        }
        if start < scalars.count { lines.append(String(scalars: scalars[start...])) }
        return lines
    }

    /// Offset of the first occurrence of `needle` at or after `from`, in scalars, or -1.
    static func find(_ haystack: Scalars, _ needle: Scalars, from: Int = 0) -> Int {
        guard needle.count <= haystack.count else { return -1 }
        var index = max(from, 0)
        while index + needle.count <= haystack.count {
            if haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return -1
    }

    /// `str.count(sub)`: non-overlapping occurrences; an empty needle matches len+1 times.
    static func count(_ haystack: String, _ needle: String) -> Int {
        let hay = haystack.scalars, sub = needle.scalars
        guard !sub.isEmpty else { return hay.count + 1 }
        var total = 0, index = 0
        while true {
            let found = find(hay, sub, from: index)
            guard found >= 0 else { return total }
            total += 1
            index = found + sub.count
        }
    }

    /// `str.replace(old, new, count)`; an empty `old` inserts `new` around every scalar.
    static func replace(_ text: String, _ old: String, _ new: String, count limit: Int = -1) -> String {
        let scalars = text.scalars, oldScalars = old.scalars, newScalars = new.scalars
        var result: Scalars = []
        var replaced = 0, index = 0
        let canReplace = { limit < 0 || replaced < limit }
        if oldScalars.isEmpty {
            for scalar in scalars {
                if canReplace() { result += newScalars; replaced += 1 }
                result.append(scalar)
            }
            if canReplace() { result += newScalars }
            return String(scalars: result)
        }
        while index < scalars.count {
            if canReplace(), index + oldScalars.count <= scalars.count,
               scalars[index..<index + oldScalars.count].elementsEqual(oldScalars) {
                result += newScalars
                replaced += 1
                index += oldScalars.count
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return String(scalars: result)
    }

    /// `str.capitalize()`: first character title-cased, the rest lower-cased.
    static func capitalize(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        let rest = String(scalars: text.unicodeScalars.dropFirst())
        return first.properties.titlecaseMapping + rest.lowercased()
    }

    /// `str.title()`: a letter is title-cased when it follows an uncased character, others lower.
    static func title(_ text: String) -> String {
        var result = ""
        var previousIsCased = false
        for scalar in text.unicodeScalars {
            let piece = String(scalar)
            result += previousIsCased ? piece.lowercased() : scalar.properties.titlecaseMapping
            previousIsCased = scalar.properties.isCased
        }
        return result
    }

    /// `str.islower()` / `str.isupper()`: at least one cased character, none of the other case.
    static func hasOnlyCase(_ text: String, upper: Bool) -> Bool {
        var sawCased = false
        for scalar in text.unicodeScalars where scalar.properties.isCased {
            sawCased = true
            if upper ? scalar.properties.isLowercase : scalar.properties.isUppercase { return false }
        }
        return sawCased
    }
}
