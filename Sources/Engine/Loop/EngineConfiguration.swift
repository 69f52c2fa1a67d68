// The engine's limits. The KV geometry (pages, page size, token-table rows) comes with the
// KVCacheManager the engine is given; the prefix-cache policy is the PrefixCache inside it.

import Model

public struct EngineConfiguration: Sendable, Equatable {
    /// Requests decoded together at most (a token-table row each).
    public var maxRunningRequests = 32
    /// Requests that may wait for admission before submissions get `queueFull`.
    public var maxQueuedRequests = 256
    /// Tokens one step computes at most: one per decoding request plus prefill chunks.
    public var stepTokenBudget = 512
    /// Decode tokens kept free per running request when admitting more.
    public var decodeHeadroomTokens = 16
    /// Caps the context (prompt + output) below what the KV cache allows; nil: no cap.
    public var maxContextLength: Int?

    public init() {}

    public init(maxRunningRequests: Int = 32, maxQueuedRequests: Int = 256, stepTokenBudget: Int = 512,
                decodeHeadroomTokens: Int = 16, maxContextLength: Int? = nil) {
        self.maxRunningRequests = maxRunningRequests
        self.maxQueuedRequests = maxQueuedRequests
        self.stepTokenBudget = stepTokenBudget
        self.decodeHeadroomTokens = decodeHeadroomTokens
        self.maxContextLength = maxContextLength
    }

    var schedulerLimits: SchedulerLimits {
        SchedulerLimits(stepTokenBudget: stepTokenBudget, maxRunningRequests: maxRunningRequests,
                        decodeHeadroomTokens: decodeHeadroomTokens)
    }
}

/// Why an engine could not be built, and what to change.
public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    /// The model could not be loaded.
    case model(ModelError)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): return "invalid engine configuration: \(why)"
        case .model(let error): return error.description
        }
    }
}
