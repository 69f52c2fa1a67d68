// Progress while weights load, for the CLI's progress bar.

public struct LoadProgress: Sendable, Equatable {
    public var tensorsLoaded: Int
    public var tensorCount: Int
    /// Checkpoint bytes read so far (as stored: quantized bytes for a GGUF).
    public var bytesLoaded: Int
    /// The tensor just loaded.
    public var name: String

    public var fraction: Double { tensorCount == 0 ? 1 : Double(tensorsLoaded) / Double(tensorCount) }
}

public typealias LoadProgressHandler = (LoadProgress) -> Void
