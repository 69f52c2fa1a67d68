// One Jinja feature per snippet, each compared with what jinja2 rendered (or that it failed)
// in transformers' environment: scripts/reference/chat_template_snippets.py wrote them.

import Testing
@testable import ChatTemplate

@Suite("Jinja features match jinja2")
struct SnippetTests {
    struct Snippet: CustomTestStringConvertible, Sendable {
        let template: String
        let expected: String?
        let error: String?
        var testDescription: String { String(reflecting: template) }
    }

    static let loaded: (variables: [String: TemplateValue], snippets: [Snippet]) = {
        guard let text = try? Fixtures.text("snippets.json"),
              case .object(let root)? = try? TemplateValue(json: text),
              case .object(let variables)? = root["variables"], case .array(let entries)? = root["snippets"]
        else { return ([:], []) }
        let snippets = entries.compactMap { entry -> Snippet? in
            guard case .object(let object) = entry, case .string(let template)? = object["template"] else { return nil }
            return Snippet(template: template, expected: object["expected"]?.stringValue, error: object["error"]?.stringValue)
        }
        return (Dictionary(uniqueKeysWithValues: variables.pairs.map { ($0.key, $0.value) }), snippets)
    }()

    @Test func fixtureLoaded() {
        #expect(Self.loaded.snippets.count >= 100)
    }

    @Test(arguments: loaded.snippets)
    func snippet(_ snippet: Snippet) throws {
        let result = Result { () throws(ChatTemplateError) in
            let template = try ChatTemplate(source: snippet.template, now: { Fixtures.fixedNow }, timeZone: .init(identifier: "UTC")!)
            var extra = Self.loaded.variables
            // The reference passed these as plain render variables, not as the chat arguments.
            let messages = extra.removeValue(forKey: "messages")
            extra["messages"] = messages
            return try template.render(messageValues: [], addGenerationPrompt: false, extra: extra)
        }
        switch (result, snippet.expected) {
        case (.success(let text), let expected?):
            #expect(text == expected, "\(firstDifference(text, expected))")
        case (.failure(let error), nil):
            if snippet.error?.hasPrefix("TemplateError: ") == true {
                #expect(error.underlying == .raised(String(snippet.error!.dropFirst("TemplateError: ".count))))
            }
            if snippet.error?.hasPrefix("UndefinedError") == true {
                guard case .undefined = error.underlying else { Issue.record("expected an undefined error, got \(error)"); return }
            }
        case (.success(let text), nil):
            Issue.record("jinja2 failed with \(snippet.error ?? "?") but we rendered \(String(reflecting: text))")
        case (.failure(let error), _?):
            Issue.record("jinja2 rendered but we failed: \(error)")
        }
    }
}
