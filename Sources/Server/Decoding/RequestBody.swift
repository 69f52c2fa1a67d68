// Reading a request body with a size limit that answers 413 (not a generic failure) when
// exceeded, whether the client declared the length or streamed the body in chunks.
import Hummingbird

enum RequestBodyReader {
    static func collect(_ request: inout Request, limit: Int) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        var collected = ByteBuffer()
        for try await piece in request.body {
            guard collected.readableBytes + piece.readableBytes <= limit else { throw APIError.bodyTooLarge(limit: limit) }
            var piece = piece
            collected.writeBuffer(&piece)
        }
        // Keep the body readable for the disconnect watch that follows.
        request.body = .init(buffer: collected)
        return collected
    }
}
