// What `flashserve serve` prints once it listens: where, what it serves, and a curl line
// that can be pasted as is.
import Foundation

public enum ServeBanner {
    public static func text(host: String, port: Int, model: String, backend: String, contextLength: Int) -> String {
        // A wildcard bind is reachable on loopback; print an address curl can use.
        let reachable = ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host
        let hostPart = reachable.contains(":") ? "[\(reachable)]" : reachable
        let base = "http://\(hostPart):\(port)"
        let body = #"{"model": "\#(jsonEscaped(model))", "messages": [{"role": "user", "content": "What is the capital of France?"}], "max_tokens": 64}"#
        return """
            FlashServe is serving \(model) on the \(backend); context \(contextLength) tokens
            Listening on \(base)  (OpenAI API under \(base)/v1; also /generate, /tokenize, /detokenize, /health, /metrics)
            Try it:
              curl \(base)/v1/chat/completions -H 'Content-Type: application/json' -d '\(shellQuoted(body))'
            Stop with Ctrl-C (in-flight requests get to finish first).
            """
    }

    private static func jsonEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// The body goes inside single quotes: a quote in it becomes '\''.
    private static func shellQuoted(_ text: String) -> String {
        text.replacingOccurrences(of: "'", with: "'\\''")
    }
}
