// Request sampling fields → the engine's SamplingParams, with every range checked here and
// nowhere else. Limits come from ServerConfiguration; the context length from the engine.
import Engine

struct SamplingMapping: Sendable {
    let model: ServedModel
    let contextLength: Int
    let configuration: ServerConfiguration

    /// How many completions to generate per prompt.
    func choiceCount(_ fields: SamplingFields) throws(APIError) -> Int {
        let n = fields.n ?? 1
        guard (1...configuration.maxChoices).contains(n) else {
            throw .invalidValue(param: fields.param(.n), reason: "\(n) is out of range: send 1 to \(configuration.maxChoices)")
        }
        return n
    }

    /// Strings that end generation; they are not part of the returned text.
    func stopStrings(_ fields: SamplingFields) throws(APIError) -> [String] {
        let stops = fields.stop?.strings ?? []
        guard stops.count <= configuration.maxStopStrings else {
            throw .invalidValue(param: fields.param(.stop), reason: "send at most \(configuration.maxStopStrings) stop strings")
        }
        if let index = stops.firstIndex(where: \.isEmpty) {
            throw .invalidValue(param: fields.param(.stop) + (stops.count > 1 ? "[\(index)]" : ""), reason: "a stop string cannot be empty")
        }
        return stops
    }

    /// The request's own timeout in seconds, else the server's default (nil: none).
    func timeout(_ fields: SamplingFields) throws(APIError) -> Double? {
        guard let seconds = fields.timeout else { return configuration.defaultRequestTimeout }
        guard seconds.isFinite, seconds > 0, seconds <= configuration.maxRequestTimeout else {
            throw .invalidValue(param: fields.param(.timeout), reason: "send a number of seconds in (0, \(configuration.maxRequestTimeout)]")
        }
        return seconds
    }

    /// Checks that a prompt leaves room for at least one new token.
    func checkPromptFits(_ promptLength: Int, param: String) throws(APIError) {
        guard promptLength < contextLength else {
            throw .promptTooLong(param: param, promptTokens: promptLength, contextLength: contextLength)
        }
    }

    /// The engine's parameters for one choice of a `promptLength`-token prompt.
    func samplingParams(
        _ fields: SamplingFields, promptLength: Int, topLogprobs: Int?, logprobsParam: String = "top_logprobs"
    ) throws(APIError) -> SamplingParams {
        var params = SamplingParams()
        let room = contextLength - promptLength
        if let maxTokens = fields.maxTokens {
            guard maxTokens >= 1 else {
                throw .invalidValue(param: fields.maxTokensParam, reason: "\(maxTokens) is not positive: send at least 1")
            }
            guard maxTokens <= room else {
                throw .invalidValue(
                    param: fields.maxTokensParam,
                    reason: "\(maxTokens) new tokens do not fit: the prompt has \(promptLength) tokens and the context \(contextLength), so at most \(room) remain")
            }
            params.maxNewTokens = maxTokens
        } else {
            params.maxNewTokens = min(room, configuration.defaultMaxTokens)
        }
        params.temperature = try Float(checked(fields.temperature, 0...2, param: fields.param(.temperature)) ?? 1)
        params.topP = try Float(checked(fields.topP, 0...1, param: fields.param(.topP), excludingLower: true) ?? 1)
        params.minP = try Float(checked(fields.minP, 0...1, param: fields.param(.minP)) ?? 0)
        params.presencePenalty = try Float(checked(fields.presencePenalty, -2...2, param: fields.param(.presencePenalty)) ?? 0)
        params.frequencyPenalty = try Float(checked(fields.frequencyPenalty, -2...2, param: fields.param(.frequencyPenalty)) ?? 0)
        params.repetitionPenalty = try Float(
            checked(fields.repetitionPenalty, 0...2, param: fields.param(.repetitionPenalty), excludingLower: true) ?? 1)
        if let topK = fields.topK {
            // -1 and 0 both mean "off", as in vLLM and SGLang.
            guard topK >= -1 else { throw .invalidValue(param: fields.param(.topK), reason: "send -1 or 0 (off) or a positive count") }
            params.topK = max(topK, 0)
        }
        params.seed = fields.seed.map { UInt64(bitPattern: $0) }
        if let top = topLogprobs {
            guard (0...configuration.maxTopLogprobs).contains(top) else {
                throw .invalidValue(param: logprobsParam, reason: "\(top) is out of range: send 0 to \(configuration.maxTopLogprobs)")
            }
            params.topLogprobs = top
        }
        var stopIDs = Set(try PromptBuilder(model: model).tokenIDs(fields.stopTokenIDs ?? [], param: fields.param(.stopTokenIDs), allowEmpty: true))
        if fields.ignoreEOS != true { stopIDs.formUnion(model.endOfTurnIDs) }
        params.stopTokenIDs = stopIDs
        return params
    }

    private func checked(
        _ value: Double?, _ range: ClosedRange<Double>, param: String, excludingLower: Bool = false
    ) throws(APIError) -> Double? {
        guard let value else { return nil }
        guard value.isFinite, range.contains(value), !(excludingLower && value == range.lowerBound) else {
            let lower = excludingLower ? "(\(range.lowerBound)" : "[\(range.lowerBound)"
            throw .invalidValue(param: param, reason: "\(value) is out of range: send a number in \(lower), \(range.upperBound)]")
        }
        return value
    }
}
