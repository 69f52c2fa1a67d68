// The acceptance test: every real template renders every reference conversation to the
// exact bytes jinja2 produced (transformers' environment), or fails where jinja2 failed.

import Testing
@testable import ChatTemplate

@Suite("Renders match jinja2 byte for byte")
struct ReferenceRenderTests {
    static let families = [
        "llama-3-8b-instruct", "llama-3.1-8b-instruct", "llama-3.2-3b-instruct",
        "qwen2.5-instruct", "qwen3",
        "mistral-7b-instruct-v0.2", "mistral-7b-instruct-v0.3",
        "smollm2-135m-instruct",
    ]

    @Test(arguments: families)
    func rendersLikeJinja2(family: String) throws {
        let (templateFile, cases) = try Fixtures.renders(family)
        let template = try Fixtures.template(templateFile)
        // ≥ 50 conversations, each rendered with the generation prompt off and on.
        #expect(cases.count >= 100)
        #expect(Set(cases.map(\.addGenerationPrompt)) == [false, true])
        var matched = 0
        for testCase in cases {
            let result = Result { () throws(ChatTemplateError) in
                try template.render(
                    messageValues: testCase.messages, addGenerationPrompt: testCase.addGenerationPrompt,
                    tools: testCase.tools, extra: testCase.extra)
            }
            switch (result, testCase.expected) {
            case (.success(let text), let expected?):
                #expect(text == expected, "\(testCase.id): \(firstDifference(text, expected))")
                if text == expected { matched += 1 }
            case (.failure(let error), nil):
                if testCase.errorKind == "raised" {
                    #expect(error.underlying == .raised(testCase.error ?? ""), "\(testCase.id)")
                }
                matched += 1
            case (.success(let text), nil):
                Issue.record("\(testCase.id): jinja2 failed with \(testCase.error ?? "?") but we rendered \(String(reflecting: text))")
            case (.failure(let error), _?):
                Issue.record("\(testCase.id): jinja2 rendered but we failed: \(error)")
            }
        }
        #expect(matched == cases.count, "\(family): \(matched) of \(cases.count) renders match")
    }

    @Test func everyFamilyHasFiftyConversations() throws {
        for family in Self.families {
            let conversations = try Fixtures.renders(family).cases.filter { !$0.addGenerationPrompt }
            #expect(conversations.count >= 50, "\(family)")
        }
    }
}
