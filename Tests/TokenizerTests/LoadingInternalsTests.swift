// The byte-keyed token table and the JSON reader that loading relies on.
import Foundation
import Testing
@testable import Tokenizer

struct LoadingInternalsTests {
    @Test func tokenTableKeysByBytesAndFindsConcatenations() {
        var table = TokenTable(minimumCapacity: 1)
        table.insert("é", id: 1)  // precomposed
        table.insert("e\u{301}", id: 2)  // decomposed: canonically equal, still another token
        for index in 0..<1000 { table.insert("token\(index)", id: Int32(100 + index)) }  // forces growth
        table.insert("é", id: 3)  // a second insert replaces
        #expect(table.id("é") == 3)
        #expect(table.id("e\u{301}") == 2)
        #expect(table.id("token", followedBy: "999") == 1099)
        #expect(table.id("tok", followedBy: "en") == nil)
        #expect(table.count == 1002)
    }

    @Test func jsonReaderHandlesEscapesAndNesting() throws {
        let text = #"{"a": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x", "b": [1, -2.5e3, true, false, null, {"c": []}], "d": {}}"#
        let value = try Array(text.utf8).withUnsafeBufferPointer { bytes in
            var parser = JSONParser(bytes)
            let value = try parser.readValue()
            try parser.expectEnd()
            return value
        }
        #expect(value["a"]?.string == "q\"\\/\u{8}\u{C}\n\r\té😀\u{FFFD}x")
        #expect(value["b"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null, .object(["c": .array([])])]))
        #expect(value["d"] == .object([:]))
    }

    @Test func malformedJSONReportsWhere() {
        for text in [#"{"a": }"#, #"{"a": "x""#, #"{"a": 1} x"#, #"[1, 2"#] {
            #expect(throws: JSONParseError.self) {
                try Array(text.utf8).withUnsafeBufferPointer { bytes in
                    var parser = JSONParser(bytes)
                    _ = try parser.readValue()
                    try parser.expectEnd()
                }
            }
        }
    }
}
