// Server-sent events framing: `data: <json>\n\n` per chunk, `data: [DONE]\n\n` at the end.
import Hummingbird

enum ServerSentEvents {
    static func event(_ json: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.count + 8)
        buffer.writeString("data: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    static let headers: HTTPFields = [
        .contentType: "text/event-stream",
        .cacheControl: "no-cache",
        // The connection is watched for the client going away, which ends its reuse.
        .connection: "close",
    ]
}

/// Turns a run's events into the JSON payloads of one endpoint's stream format.
protocol StreamChunkEncoder: Sendable {
    /// Choices per prompt (`n`), to count each prompt's tokens once in the usage.
    var choicesPerPrompt: Int { get }
    /// Payloads sent before any token (the chat API's assistant role, for example).
    mutating func opening() throws -> [[UInt8]]
    /// The payload for one event, or nil if the format sends nothing for it.
    mutating func chunk(for event: RunEvent) throws -> [UInt8]?
    /// The last payload, given the whole request's usage (nil: nothing).
    mutating func closing(usage: UsageJSON) throws -> [UInt8]?
}
