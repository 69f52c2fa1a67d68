// Python's text forms and string rules, which every printed value and every `|trim` goes
// through. Expected strings are what CPython 3.11 prints.

import PropertyBased
import Testing
@testable import ChatTemplate

@Suite("Python value semantics")
struct PythonValueTests {
    @Test(arguments: [
        (1e16, "1e+16"), (1234567890123456.0, "1234567890123456.0"), (9999999999999998.0, "9999999999999998.0"),
        (0.0001, "0.0001"), (0.00001, "1e-05"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (-0.0, "-0.0"), (100.0, "100.0"), (1.0 / 3.0, "0.3333333333333333"), (123456789.125, "123456789.125"),
        (1e22, "1e+22"), (0.1 + 0.2, "0.30000000000000004"), (.infinity, "inf"), (-.infinity, "-inf"),
    ])
    func floatRepr(value: Double, expected: String) {
        #expect(PythonRepr.float(value) == expected)
    }

    @Test func stringRepr() {
        #expect(PythonRepr.string("it's") == "\"it's\"")
        #expect(PythonRepr.string("a\"b") == "'a\"b'")
        #expect(PythonRepr.string("both ' \"") == "'both \\' \"'")
        #expect(PythonRepr.string("\u{0}\u{7F}\u{85}\u{AD}\u{2028}é") == "'\\x00\\x7f\\x85\\xad\\u2028é'")
    }

    @Test func floatReprRoundTrips() async {
        await propertyCheck(count: 500, input: Gen.double(in: -1e300...1e300), Gen.int(in: -320...300)) { mantissa, exponent in
            for value in [mantissa, mantissa / 1e300, Double("1e\(exponent)")!] {
                let text = PythonRepr.float(value)
                #expect(Double(text) == value, "\(value) printed as \(text)")
                // Python floats always print as floats: with a point or an exponent.
                #expect(text.contains(".") || text.contains("e"), "\(text)")
            }
        }
    }

    @Test func jsonStringsRoundTrip() async throws {
        let scalars = Gen.unicodeScalar(in: "\u{0}"..."\u{D7FF}").map(Character.init).string(of: 0...40)
        await propertyCheck(count: 300, input: scalars, Gen.bool) { text, ascii in
            let json = try TemplateValue.string(text).jsonString(JSONDumpOptions(ensureASCII: ascii))
            #expect(try TemplateValue(json: json) == .string(text))
            if ascii { #expect(json.unicodeScalars.allSatisfy { $0.value < 0x7F }) }
        }
    }

    @Test func jsonObjectsKeepKeyOrder() async throws {
        let keys = Gen.letterOrNumber.string(of: 1...6).array(of: 0...12)
        await propertyCheck(count: 200, input: keys) { keys in
            let object = TemplateObject(keys.enumerated().map { ($1, TemplateValue.int($0)) })
            let parsed = try TemplateValue(json: TemplateValue.object(object).jsonString())
            guard case .object(let back) = parsed else { Issue.record("not an object"); return }
            #expect(back.keys == object.keys)
            #expect(back == object)
        }
    }

    @Test func stripRemovesExactlyPythonWhitespace() async {
        let options = [" ", "\t", "\n", "\u{A0}", "\u{3000}", "\u{200B}", "a", "é", "\u{1C}", "\u{85}"]
        let pieces = Gen.int(in: 0...(options.count - 1)).map { options[$0] }.array(of: 0...12).map { $0.joined() }
        await propertyCheck(count: 300, input: pieces) { text in
            let stripped = PythonString.strip(text, chars: nil, leading: true, trailing: true)
            #expect(stripped.unicodeScalars.first.map(PythonString.isWhitespace) != true)
            #expect(stripped.unicodeScalars.last.map(PythonString.isWhitespace) != true)
            #expect(stripped.isEmpty || text.contains(stripped))
            // Zero-width space is not whitespace to Python, so it survives at the edges.
            if text.hasPrefix("\u{200B}") { #expect(stripped.hasPrefix("\u{200B}")) }
        }
    }

    @Test func sliceIndicesStayInBoundsAndStep() async throws {
        await propertyCheck(
            count: 500, input: Gen.int(in: 0...20), Gen.int(in: -25...25), Gen.int(in: -25...25),
            Gen.int(in: 0...5).map { [-3, -2, -1, 1, 2, 3][$0] }
        ) { count, start, stop, step in
            let indices = try ValueAccess.sliceIndices(count: count, start: start, stop: stop, step: step)
            #expect(indices.allSatisfy { (0..<count).contains($0) })
            #expect(zip(indices, indices.dropFirst()).allSatisfy { $1 - $0 == step })
            #expect(try ValueAccess.sliceIndices(count: count, start: nil, stop: nil, step: 1) == Array(0..<count))
            #expect(try ValueAccess.sliceIndices(count: count, start: nil, stop: nil, step: -1) == Array((0..<count).reversed()))
        }
    }

    @Test func splitAndJoinAreInverse() async throws {
        let options = ["a", ",", "é", " ", ",,"]
        let text = Gen.int(in: 0...(options.count - 1)).map { options[$0] }.array(of: 0...10).map { $0.joined() }
        await propertyCheck(count: 300, input: text) { text in
            let pieces = try PythonString.split(text, separator: ",", maxSplit: -1)
            #expect(pieces.joined(separator: ",") == text)
            #expect(pieces.count == PythonString.count(text, ",") + 1)
        }
    }
}
