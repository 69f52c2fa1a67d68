// A small HTTP/1.1 client over one blocking TCP connection, for the serving benchmark and the
// tests: it hands body bytes over as they arrive (to time streamed tokens), can hang up
// midway (to test disconnects), and sends bytes exactly as given (to test malformed input).
// Blocking calls run on their own thread, never on Swift's cooperative pool.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum HTTPClientError: Error, CustomStringConvertible, Sendable {
    case resolve(host: String, reason: String)
    case connect(host: String, port: Int, errno: Int32)
    case io(String, errno: Int32)
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .resolve(let host, let reason): return "cannot resolve \(host): \(reason)"
        case .connect(let host, let port, let code):
            return "cannot connect to \(host):\(port): \(String(cString: strerror(code))) — is the server running?"
        case .io(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .malformedResponse(let why): return "malformed HTTP response: \(why)"
        }
    }
}

public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    /// The decoded body (empty when a body handler consumed it).
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

public struct HTTPClientConnection: Sendable {
    public var host: String
    public var port: Int
    /// Seconds a connect, send or receive may block.
    public var timeout: Double

    public init(host: String = "127.0.0.1", port: Int, timeout: Double = 120) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    /// Sends one request and reads the response on a dedicated thread. `onBody` sees each
    /// piece of the decoded body as it arrives and returns false to hang up at once.
    public func send(
        method: String, path: String, body: [UInt8] = [], headers: [(String, String)] = [],
        onBody: (@Sendable ([UInt8]) -> Bool)? = nil
    ) async throws -> HTTPClientResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return try await sendRaw(Array((head + "\r\n").utf8) + body, onBody: onBody)
    }

    /// Sends `bytes` exactly as given (which need not be valid HTTP) and reads the response.
    public func sendRaw(_ bytes: [UInt8], onBody: (@Sendable ([UInt8]) -> Bool)? = nil) async throws -> HTTPClientResponse {
        let connection = self
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try connection.exchange(bytes, onBody: onBody) })
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func exchange(_ request: [UInt8], onBody: (@Sendable ([UInt8]) -> Bool)?) throws -> HTTPClientResponse {
        let socket = try SocketHandle(host: host, port: port, timeout: timeout)
        defer { socket.close() }
        try socket.writeAll(request)
        var reader = HTTPResponseReader()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try socket.read(into: &buffer)
            if count == 0 { break }
            let keepReading = try reader.consume(buffer[..<count]) { piece in onBody?(piece) ?? true }
            if !keepReading || reader.isComplete { break }
        }
        return try reader.response(keepBody: onBody == nil)
    }
}

/// A connected TCP socket with send/receive timeouts.
struct SocketHandle {
    let descriptor: Int32

    init(host: String, port: Int, timeout: Double) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPClientError.resolve(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var address: UnsafeMutablePointer<addrinfo>? = first
        while let candidate = address {
            let fd = socket(candidate.pointee.ai_family, candidate.pointee.ai_socktype, candidate.pointee.ai_protocol)
            if fd >= 0 {
                var time = timeval(tv_sec: Int(timeout), tv_usec: .init((timeout - timeout.rounded(.down)) * 1e6))
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                if connect(fd, candidate.pointee.ai_addr, candidate.pointee.ai_addrlen) == 0 {
                    descriptor = fd
                    return
                }
                lastError = errno
                Glibc.close(fd)
            } else {
                lastError = errno
            }
            address = candidate.pointee.ai_next
        }
        throw HTTPClientError.connect(host: host, port: port, errno: lastError)
    }

    func writeAll(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw HTTPClientError.io("send", errno: errno)
            }
            sent += count
        }
    }

    func read(into buffer: inout [UInt8]) throws -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            // A server that closes while our request is still unread resets the connection;
            // what it sent before is the answer.
            if errno == ECONNRESET { return 0 }
            throw HTTPClientError.io("recv", errno: errno)
        }
    }

    func close() { _ = Glibc.close(descriptor) }
}
