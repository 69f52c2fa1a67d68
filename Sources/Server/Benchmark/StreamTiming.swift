// Timing one streamed completion as its bytes arrive: the first token, the gaps between
// chunks that carry text, the end, the token count from the usage chunk, and any error.
import Foundation
import Synchronization

/// One request's measurements.
public struct RequestMeasurement: Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens = 0
    /// Seconds from sending to the first chunk with text.
    public var timeToFirstToken: Double?
    /// Seconds between consecutive chunks with text.
    public var interTokenLatencies: [Double] = []
    public var endToEnd = 0.0
    /// nil when the request succeeded.
    public var error: String?

    public var succeeded: Bool { error == nil && timeToFirstToken != nil }
}

/// Parses the SSE stream of /v1/completions as it arrives (possibly split anywhere).
final class StreamTiming: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var measurement: RequestMeasurement
        var lastChunk: Double?
        var sawDone = false
    }

    private let start: ContinuousClock.Instant
    private let state: Mutex<State>

    init(inputTokens: Int, start: ContinuousClock.Instant) {
        self.start = start
        state = Mutex(State(measurement: RequestMeasurement(inputTokens: inputTokens)))
    }

    /// Called with each piece of the body; always keeps reading.
    func receive(_ bytes: [UInt8]) -> Bool {
        let now = seconds(since: start)
        state.withLock { state in
            state.pending += bytes
            while let end = Self.eventEnd(in: state.pending) {
                let event = Array(state.pending[..<end])
                state.pending.removeFirst(end + 2)
                Self.handle(event, at: now, &state)
            }
        }
        return true
    }

    func finish(status: Int, body: [UInt8], error: (any Error)?) -> RequestMeasurement {
        let end = seconds(since: start)
        return state.withLock { state in
            var measurement = state.measurement
            measurement.endToEnd = end
            if let error {
                measurement.error = String(describing: error)
            } else if status != 200 {
                measurement.error = "HTTP \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
            } else if !state.sawDone, measurement.error == nil {
                measurement.error = "the stream ended without [DONE]"
            }
            return measurement
        }
    }

    private static func handle(_ event: [UInt8], at now: Double, _ state: inout State) {
        let line = String(decoding: event, as: UTF8.self)
        guard line.hasPrefix("data: ") else { return }
        let payload = line.dropFirst(6)
        if payload == "[DONE]" {
            state.sawDone = true
            return
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else { return }
        if let error = json["error"] as? [String: Any] {
            state.measurement.error = error["message"] as? String ?? "error event"
            return
        }
        if let usage = json["usage"] as? [String: Any], let tokens = usage["completion_tokens"] as? Int {
            state.measurement.outputTokens = tokens
        }
        let hasText = (json["choices"] as? [[String: Any]] ?? []).contains { !(($0["text"] as? String) ?? "").isEmpty }
        guard hasText else { return }
        if let last = state.lastChunk {
            state.measurement.interTokenLatencies.append(now - last)
        } else {
            state.measurement.timeToFirstToken = now
        }
        state.lastChunk = now
    }

    /// Index of the blank line ("\n\n") that ends the first complete event, if any.
    private static func eventEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 0..<(bytes.count - 1) where bytes[index] == 10 && bytes[index + 1] == 10 { return index }
        return nil
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}
