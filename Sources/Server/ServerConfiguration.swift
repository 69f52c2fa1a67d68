// Everything an operator can tune about the HTTP side; the engine has its own settings.

public struct ServerConfiguration: Sendable {
    /// Loopback by default: serving beyond this machine is an explicit choice.
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests); the bound port is reported through `onListening`.
    public var port = 8000
    /// Largest request body accepted (413 beyond).
    public var maxRequestBytes = 8 << 20
    /// Largest `n`.
    public var maxChoices = 16
    /// New tokens when the client sends no max_tokens (capped by what the context leaves).
    public var defaultMaxTokens = 512
    public var maxStopStrings = 16
    public var maxTopLogprobs = 20
    /// Seconds a request may run when it names no `timeout` (nil: no limit).
    public var defaultRequestTimeout: Double?
    /// The largest `timeout` a request may ask for.
    public var maxRequestTimeout: Double = 24 * 3600
    /// /health reports a stall when work waits and no engine step ran for this long.
    public var stallSeconds: Double = 30
    /// On SIGTERM/SIGINT, in-flight requests get this long to finish before they are aborted.
    public var shutdownDeadline: Double = 10

    public init() {}
}
