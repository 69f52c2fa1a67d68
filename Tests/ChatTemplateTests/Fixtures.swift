// Loads the committed fixtures: real templates and jinja2's renders of them
// (written by scripts/reference/chat_template_render.py).

import Foundation
import Testing
@testable import ChatTemplate

enum Fixtures {
    static func url(_ path: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent(path)
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: url(path), encoding: .utf8)
    }

    static func template(_ file: String) throws -> ChatTemplate {
        try ChatTemplate(source: text("templates/" + file), now: { fixedNow }, timeZone: TimeZone(identifier: "UTC")!)
    }

    /// The instant the reference script pins `strftime_now` to: 2025-03-07 14:05:09 UTC.
    static let fixedNow = Date(timeIntervalSince1970: 1_741_356_309)

    /// One reference render: a conversation, its switches, and jinja2's output or error.
    struct RenderCase {
        let id: String
        let messages: [TemplateValue]
        let tools: [TemplateValue]?
        let addGenerationPrompt: Bool
        let extra: [String: TemplateValue]
        let expected: String?
        let error: String?
        let errorKind: String?
    }

    static func renders(_ family: String) throws -> (template: String, cases: [RenderCase]) {
        let document = try TemplateValue(json: text("renders/\(family).json"))
        guard case .object(let root) = document, case .string(let template)? = root["template"],
              case .array(let cases)? = root["cases"]
        else { throw FixtureError.malformed(family) }
        return (template, try cases.map(renderCase))
    }

    private static func renderCase(_ value: TemplateValue) throws -> RenderCase {
        guard case .object(let entry) = value, case .string(let id)? = entry["id"],
              case .array(let messages)? = entry["messages"], case .bool(let generation)? = entry["add_generation_prompt"],
              case .object(let extra)? = entry["extra"]
        else { throw FixtureError.malformed("a case") }
        var tools: [TemplateValue]?
        if case .array(let list)? = entry["tools"] { tools = list }
        return RenderCase(
            id: id, messages: messages, tools: tools, addGenerationPrompt: generation,
            extra: Dictionary(uniqueKeysWithValues: extra.pairs.map { ($0.key, $0.value) }),
            expected: entry["expected"]?.stringValue, error: entry["error"]?.stringValue,
            errorKind: entry["error_kind"]?.stringValue)
    }

    enum FixtureError: Error { case malformed(String) }
}

/// Where two renders first differ, for readable failure messages.
func firstDifference(_ actual: String, _ expected: String) -> String {
    let a = Array(actual.unicodeScalars), e = Array(expected.unicodeScalars)
    let index = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
    func window(_ scalars: [Unicode.Scalar]) -> String {
        let start = max(0, index - 30)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<min(scalars.count, index + 30)])
        return String(reflecting: String(view))
    }
    return "first difference at scalar \(index): got \(window(a)), expected \(window(e))"
}
