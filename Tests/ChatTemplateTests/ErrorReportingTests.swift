// Unsupported constructs and broken templates fail loudly, naming what is wrong and where,
// and they fail when the template is loaded wherever that can be known.

import Testing
@testable import ChatTemplate

@Suite("Errors name the problem")
struct ErrorReportingTests {
    private func parseError(_ source: String) -> ChatTemplateError? {
        do {
            _ = try ChatTemplate(source: source)
            return nil
        } catch {
            return error
        }
    }

    private func renderError(_ source: String, extra: [String: TemplateValue] = [:]) -> ChatTemplateError? {
        do {
            _ = try ChatTemplate(source: source).render(messages: [.user("hi")], addGenerationPrompt: false, extra: extra)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["include", "extends", "block", "import", "call", "do"])
    func unsupportedTagsFailAtLoad(tag: String) throws {
        let error = try #require(parseError("text\n{% \(tag) 'x' %}"))
        #expect(error == .unsupported("the '{% \(tag) %}' tag", line: 2))
        #expect(error.description.contains(tag))
    }

    @Test func unsupportedFiltersAndTestsFailWhenReached() throws {
        // Like jinja2 3, a filter or test only matters when its branch runs.
        #expect(parseError("{% if tools %}{{ tools | fromjson }}{% endif %}{{ x | batch(2) }}") == nil)
        #expect(renderError("{% if false %}{{ x | fromjson }}{% endif %}ok") == nil)
        #expect(renderError("\n{{ 'a' | batch(2) }}") == .atLine(2, .unsupported("the 'batch' filter", line: nil)))
        #expect(renderError("\n\n{% if 1 is sameish 3 %}{% endif %}") == .atLine(3, .unsupported("the 'sameish' test", line: nil)))
    }

    @Test func unsupportedSyntaxFailsAtLoad() throws {
        #expect(parseError("{% for x in y recursive %}{% endfor %}") == .unsupported("recursive for loops", line: 1))
        #expect(parseError("{{ f(*args) }}") == .unsupported("'*args' / '**kwargs' in calls", line: 1))
    }

    @Test func unsupportedMethodsFailAtRender() throws {
        let encode = try #require(renderError("{{ 'a'.encode('utf-8') }}"))
        #expect(encode.underlying == .unsupported("the Python method str.encode()", line: nil))
        // jinja2's immutable sandbox refuses mutation too; so do we, naming the method.
        let append = try #require(renderError("{% set l = [] %}{{ l.append(1) }}"))
        #expect(append.underlying == .unsupported("the Python method list.append()", line: nil))
        let percent = try #require(renderError("{{ '%s' % 'x' }}"))
        #expect(percent.underlying == .unsupported("printf-style '%' string formatting", line: nil))
    }

    @Test func syntaxErrorsCarryLines() throws {
        #expect(parseError("a\n{% if x %}\nno end") == .syntax("template ended before '{% elif %}' or '{% else %}' or '{% endif %}'", line: 3))
        #expect(parseError("{{ x ") == .syntax("tag opened here is never closed with '}}'", line: 1))
        #expect(parseError("{% frobnicate %}") == .syntax("unknown tag 'frobnicate'", line: 1))
        #expect(parseError("{{ (1, ] }}") == .syntax("unexpected ']'", line: 1))
        #expect(parseError("{% break %}") == .syntax("'break' outside of a for loop", line: 1))
        #expect(parseError("{# never closed") == .syntax("comment opened here is never closed with '#}'", line: 1))
    }

    @Test func runtimeErrorsCarryTheStatementLine() throws {
        let error = try #require(renderError("line 1\n{{ 'a' + 1 }}"))
        #expect(error == .atLine(2, .typeError("can only concatenate str (not \"int\") to str")))
        #expect(error.description.contains("line 2"))
        let undefined = try #require(renderError("\n\n{{ missing.field }}"))
        #expect(undefined == .atLine(3, .undefined("'missing' is undefined (reading '.field')")))
    }

    @Test func raiseExceptionKeepsTheTemplatesMessage() throws {
        let error = try #require(renderError("{% if true %}\n{{ raise_exception('roles must alternate') }}{% endif %}"))
        #expect(error == .raised("roles must alternate"))
        #expect(error.description == "the chat template rejected the conversation: roles must alternate")
    }

    @Test func mistralRejectsNonAlternatingRolesThroughThePublicAPI() throws {
        let template = try Fixtures.template("mistral-7b-instruct-v0.3.jinja")
        #expect(throws: ChatTemplateError.raised(
            "After the optional system message, conversation roles must alternate user/assistant/user/assistant/..."
        )) {
            try template.render(messages: [.user("a"), .user("b")], addGenerationPrompt: false,
                                extra: ["bos_token": "<s>", "eos_token": "</s>"])
        }
    }

    @Test func everyFixtureTemplateParses() throws {
        for file in ["llama-3-8b-instruct", "llama-3.1-8b-instruct", "llama-3.2-3b-instruct", "qwen2.5-instruct",
                     "qwen3", "mistral-7b-instruct-v0.2", "mistral-7b-instruct-v0.3", "smollm2-135m-instruct"] {
            #expect(throws: Never.self) { try Fixtures.template(file + ".jinja") }
        }
    }
}
