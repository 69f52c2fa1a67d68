// Stop strings: text is released as it streams, except a tail that could still become a stop
// string; when one appears, everything from it on is dropped. Matching is on UTF-8 bytes, and
// a held tail always starts at a character boundary (a stop string starts with a lead byte).

struct StopStringMatcher: Sendable {
    private let stops: [[UInt8]]
    /// Released-but-undecided bytes: a suffix that is a proper prefix of some stop string.
    private var held: [UInt8] = []
    private(set) var matched = false

    init(_ stops: [String]) {
        self.stops = stops.map { Array($0.utf8) }.filter { !$0.isEmpty }
    }

    /// Adds generated text; returns what can be shown now. After a match, returns the text
    /// before the stop string and sets `matched`; later calls return "".
    mutating func push(_ text: String) -> String {
        guard !matched else { return "" }
        guard !stops.isEmpty else { return text }
        held.append(contentsOf: text.utf8)
        if let start = earliestMatch() {
            matched = true
            defer { held.removeAll() }
            return String(decoding: held[..<start], as: UTF8.self)
        }
        let keep = longestPendingSuffix()
        let release = held.count - keep
        defer { held.removeFirst(release) }
        return String(decoding: held[..<release], as: UTF8.self)
    }

    /// At the end of generation, the held tail is ordinary text after all.
    mutating func finish() -> String {
        defer { held.removeAll() }
        return matched ? "" : String(decoding: held, as: UTF8.self)
    }

    private func earliestMatch() -> Int? {
        var best: Int?
        for stop in stops where stop.count <= held.count {
            for start in 0...(held.count - stop.count) where best.map({ start < $0 }) ?? true {
                if held[start..<(start + stop.count)].elementsEqual(stop) {
                    best = start
                    break
                }
            }
        }
        return best
    }

    /// Length of the longest suffix of `held` that a stop string starts with (shorter than it).
    private func longestPendingSuffix() -> Int {
        var longest = 0
        for stop in stops {
            var length = min(stop.count - 1, held.count)
            while length > longest {
                if held[(held.count - length)...].elementsEqual(stop[..<length]) {
                    longest = length
                    break
                }
                length -= 1
            }
        }
        return longest
    }
}
