// Incremental HTTP/1.1 response parsing: status line and headers, then a body framed by
// Content-Length, chunked transfer encoding, or the end of the connection.

struct HTTPResponseReader {
    private enum Framing { case length(Int), chunked, untilClose }
    private enum ChunkState { case size, data(remaining: Int), dataEnd, trailer }

    private var pending: [UInt8] = []
    private var status: Int?
    private var headers: [String: String] = [:]
    private var framing: Framing?
    private var chunkState = ChunkState.size
    private var received = 0
    private var body: [UInt8] = []
    private(set) var isComplete = false

    /// Feeds bytes from the socket; `deliver` gets each decoded body piece and returns false
    /// to stop. Returns false if the caller should stop reading.
    mutating func consume(_ bytes: ArraySlice<UInt8>, deliver: ([UInt8]) -> Bool) throws -> Bool {
        pending.append(contentsOf: bytes)
        if framing == nil {
            guard let end = headerEnd() else { return true }
            try parseHead(pending[..<end])
            pending.removeFirst(end + 4)
        }
        return try decodeBody(deliver: deliver)
    }

    func response(keepBody: Bool) throws -> HTTPClientResponse {
        guard let status else { throw HTTPClientError.malformedResponse("the connection closed before a status line arrived") }
        return HTTPClientResponse(status: status, headers: headers, body: keepBody ? body : [])
    }

    private func headerEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for index in 0...(pending.count - 4)
        where pending[index] == 13 && pending[index + 1] == 10 && pending[index + 2] == 13 && pending[index + 3] == 10 {
            return index
        }
        return nil
    }

    private mutating func parseHead(_ head: ArraySlice<UInt8>) throws {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let code = Int(statusParts[1]) else {
            throw HTTPClientError.malformedResponse("status line '\(lines[0])'")
        }
        status = code
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            framing = .chunked
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            framing = .length(length)
            if length == 0 { isComplete = true }
        } else {
            framing = .untilClose
        }
    }

    private mutating func decodeBody(deliver: ([UInt8]) -> Bool) throws -> Bool {
        switch framing {
        case .length(let length):
            let piece = Array(pending.prefix(length - received))
            pending.removeAll()
            received += piece.count
            if received == length { isComplete = true }
            return piece.isEmpty || emit(piece, deliver)
        case .untilClose:
            let piece = pending
            pending.removeAll()
            return piece.isEmpty || emit(piece, deliver)
        case .chunked:
            return try decodeChunks(deliver: deliver)
        case nil:
            return true
        }
    }

    private mutating func decodeChunks(deliver: ([UInt8]) -> Bool) throws -> Bool {
        while !isComplete {
            switch chunkState {
            case .size, .dataEnd, .trailer:
                guard let lineEnd = pending.firstIndex(of: 10) else { return true }
                let line = String(decoding: pending[..<lineEnd], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                pending.removeFirst(lineEnd + 1)
                switch chunkState {
                case .size:
                    let sizeText = line.split(separator: ";").first.map(String.init) ?? ""
                    guard let size = Int(sizeText, radix: 16) else {
                        throw HTTPClientError.malformedResponse("chunk size '\(line)'")
                    }
                    chunkState = size == 0 ? .trailer : .data(remaining: size)
                case .dataEnd:
                    chunkState = .size
                default:
                    if line.isEmpty { isComplete = true }
                }
            case .data(let remaining):
                guard !pending.isEmpty else { return true }
                let piece = Array(pending.prefix(remaining))
                pending.removeFirst(piece.count)
                chunkState = piece.count == remaining ? .dataEnd : .data(remaining: remaining - piece.count)
                if !emit(piece, deliver) { return false }
            }
        }
        return true
    }

    private mutating func emit(_ piece: [UInt8], _ deliver: ([UInt8]) -> Bool) -> Bool {
        body.append(contentsOf: piece)
        return deliver(piece)
    }
}
