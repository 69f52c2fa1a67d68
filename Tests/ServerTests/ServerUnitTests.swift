// The pure pieces: stop-string holding, UTF-8 checking, field names in decoding errors, the
// health verdict, SSE framing and the HTTP response reader the benchmark uses.
import Engine
import Foundation
import Hummingbird
@testable import Server
import Testing

@Suite struct StopStringMatcherTests {
    @Test func releasesTextUntilAStopStringAndDropsEverythingFromIt() {
        var matcher = StopStringMatcher(["</end>"])
        #expect(matcher.push("Hello <") == "Hello ")
        #expect(matcher.push("/en") == "")
        #expect(matcher.push("d> more") == "")
        #expect(matcher.matched)
        #expect(matcher.finish() == "")
    }

    @Test func aHeldTailThatIsNotAStopStringIsReleasedLaterOrAtTheEnd() {
        var matcher = StopStringMatcher(["STOP"])
        #expect(matcher.push("ST") == "")
        #expect(matcher.push("ay") == "STay")
        #expect(matcher.push(" ST") == " ")
        #expect(matcher.finish() == "ST")
        #expect(!matcher.matched)
    }

    @Test func theEarliestOfSeveralStopStringsWins() {
        var matcher = StopStringMatcher(["world", "lo w"])
        #expect(matcher.push("Hello world") == "Hel")
    }

    @Test func multiByteCharactersAreNeverSplit() {
        var matcher = StopStringMatcher(["é!"])
        #expect(matcher.push("café") == "caf")
        #expect(matcher.push("s") == "és")
    }

    @Test func withoutStopStringsEverythingPassesThrough() {
        var matcher = StopStringMatcher([])
        #expect(matcher.push("abc") == "abc")
        #expect(matcher.finish() == "")
    }
}

@Suite struct RequestDecoderTests {
    struct Sample: Decodable {
        struct Inner: Decodable { var value: Int }
        var items: [Inner]
    }

    @Test func invalidUTF8IsReportedAtItsOffset() {
        #expect(RequestDecoder.firstInvalidUTF8Offset(Array("abc".utf8)) == nil)
        #expect(RequestDecoder.firstInvalidUTF8Offset(Array("aé".utf8) + [0xC3]) == 3)
        #expect(RequestDecoder.firstInvalidUTF8Offset([0x61, 0xED, 0xA0, 0x80]) == 1)
    }

    @Test func typeErrorsNameTheFieldPath() {
        #expect(throws: APIError.wrongType(param: "items[1].value", expected: "an integer")) {
            _ = try RequestDecoder.decode(Sample.self, from: ByteBuffer(string: #"{"items": [{"value": 1}, {"value": "2"}]}"#))
        }
        #expect(throws: APIError.missingField(param: "items[0].value")) {
            _ = try RequestDecoder.decode(Sample.self, from: ByteBuffer(string: #"{"items": [{}]}"#))
        }
    }

    @Test func deeplyNestedJSONIsRefusedNotACrash() {
        let depth = 100_000
        let body = #"{"items": "# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(throws: APIError.self) { _ = try RequestDecoder.decode(Sample.self, from: ByteBuffer(string: body)) }
    }
}

@Suite struct HealthStatusTests {
    @Test func distinguishesOKStalledAndShuttingDown() {
        var stats = EngineStats()
        #expect(HealthStatus.evaluate(stats, shuttingDown: false, stallSeconds: 5) == .ok)
        stats.secondsSinceLastStep = 60
        // Idle is not stalled: nothing waits.
        #expect(HealthStatus.evaluate(stats, shuttingDown: false, stallSeconds: 5) == .ok)
        stats.waitingRequests = 1
        #expect(HealthStatus.evaluate(stats, shuttingDown: false, stallSeconds: 5) == .stalled(secondsSinceLastStep: 60))
        #expect(HealthStatus.evaluate(stats, shuttingDown: true, stallSeconds: 5) == .shuttingDown)
        #expect(Set([HealthStatus.ok, .stalled(secondsSinceLastStep: 1), .shuttingDown].map(\.httpStatus.code)) == [200, 500, 503])
    }
}

@Suite struct HTTPResponseReaderTests {
    @Test func decodesChunkedBodiesFedInArbitraryPieces() throws {
        let raw = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n".utf8)
        for pieceSize in [1, 3, 7, raw.count] {
            var reader = HTTPResponseReader()
            var delivered: [UInt8] = []
            var offset = 0
            while offset < raw.count, !reader.isComplete {
                let end = min(offset + pieceSize, raw.count)
                _ = try reader.consume(raw[offset..<end]) { delivered += $0; return true }
                offset = end
            }
            let response = try reader.response(keepBody: true)
            #expect(reader.isComplete)
            #expect(response.status == 200 && response.headers["x-a"] == "b")
            #expect(response.text == "hello, world" && delivered == Array("hello, world".utf8))
        }
    }

    @Test func contentLengthBodiesEndAtTheirLength() throws {
        var reader = HTTPResponseReader()
        _ = try reader.consume(ArraySlice("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}".utf8)) { _ in true }
        #expect(reader.isComplete)
        #expect(try reader.response(keepBody: true).text == "{}")
    }
}

@Suite struct ServerSentEventsTests {
    @Test func framesPayloadsAsDataLines() {
        #expect(String(buffer: ServerSentEvents.event(Array(#"{"a":1}"#.utf8))) == "data: {\"a\":1}\n\n")
        #expect(String(buffer: ServerSentEvents.done) == "data: [DONE]\n\n")
    }
}
