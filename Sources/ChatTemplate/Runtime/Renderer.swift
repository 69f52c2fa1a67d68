// Executes parsed statements, appending to one output string. Expression evaluation lives in
// Evaluator.swift; values' operators, attributes and builtins live beside it.

import Foundation

/// What the environment provides beyond the render variables: the clock for `strftime_now`.
struct RenderEnvironment {
    var now: () -> Date
    var timeZone: TimeZone
}

/// One render call's state. Not reused across calls.
final class Renderer {
    let environment: RenderEnvironment
    private var output = ""
    /// Scopes that defined macros, kept alive for the render: macros hold them weakly, which
    /// avoids a reference cycle (a scope holding a macro that holds the scope).
    private var macroScopes: [Scope] = []

    /// Whether a `{% break %}` or `{% continue %}` is unwinding the current loop body.
    enum Flow { case normal, breakLoop, continueLoop }

    init(environment: RenderEnvironment) {
        self.environment = environment
    }

    func render(_ nodes: [Node], in scope: Scope) throws(ChatTemplateError) -> String {
        output = ""
        _ = try execute(nodes, in: scope)
        return output
    }

    func execute(_ nodes: [Node], in scope: Scope) throws(ChatTemplateError) -> Flow {
        for node in nodes {
            let flow: Flow
            do {
                flow = try execute(node.statement, in: scope)
            } catch {
                switch error {
                case .raised, .atLine: throw error  // the template's own message, or already located
                default: throw .atLine(node.line, error)
                }
            }
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ statement: Statement, in scope: Scope) throws(ChatTemplateError) -> Flow {
        switch statement {
        case .text(let text):
            output += text
        case .output(let expression):
            output += try evaluate(expression, in: scope).pythonString()
        case .conditional(let branches, let otherwise):
            for branch in branches {
                if try evaluate(branch.condition, in: scope).isTruthy { return try execute(branch.body, in: scope) }
            }
            return try execute(otherwise, in: scope)
        case .forLoop(let loop):
            return try executeLoop(loop, in: scope)
        case .set(let target, let expression):
            try assign(try evaluate(expression, in: scope), to: target, in: scope)
        case .setBlock(let target, let filters, let body):
            var value = TemplateValue.string(try capture(body, in: scope))
            for filter in filters {
                value = try applyFilter(filter.name, to: value, arguments: filter.arguments, in: scope)
            }
            try assign(value, to: target, in: scope)
        case .macro(let definition):
            scope.define(definition.name, makeMacro(definition, definedIn: scope))
        case .filterBlock(let filters, let body):
            var value = TemplateValue.string(try capture(body, in: Scope(parent: scope)))
            for filter in filters {
                value = try applyFilter(filter.name, to: value, arguments: filter.arguments, in: scope)
            }
            output += try value.pythonString()
        case .with(let assignments, let body):
            let inner = Scope(parent: scope)
            for (target, expression) in assignments {
                // Values are computed in the outer scope, as jinja2 does.
                try assign(try evaluate(expression, in: scope), to: target, in: inner)
            }
            return try execute(body, in: inner)
        case .generation(let body):
            return try execute(body, in: scope)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    /// Renders nodes into a separate string (for `set` blocks, filter blocks and macros).
    func capture(_ nodes: [Node], in scope: Scope) throws(ChatTemplateError) -> String {
        let saved = output
        output = ""
        defer { output = saved }
        _ = try execute(nodes, in: scope)
        return output
    }

    private func executeLoop(_ loop: ForLoop, in scope: Scope) throws(ChatTemplateError) -> Flow {
        var items = try ValueAccess.iterate(try evaluate(loop.iterable, in: scope))
        if let filter = loop.filter {
            // The inline `if` filters before counting, so loop.length and loop.last see only
            // the kept items.
            var kept: [TemplateValue] = []
            for item in items {
                let probe = Scope(parent: scope)
                try assign(item, to: loop.target, in: probe)
                if try evaluate(filter, in: probe).isTruthy { kept.append(item) }
            }
            items = kept
        }
        guard !items.isEmpty else { return try execute(loop.otherwise, in: scope) }
        for (index, item) in items.enumerated() {
            let iteration = Scope(parent: scope)
            iteration.define("loop", LoopContext.value(index: index, items: items))
            try assign(item, to: loop.target, in: iteration)
            if try execute(loop.body, in: iteration) == .breakLoop { break }
        }
        return .normal
    }

    func assign(_ value: TemplateValue, to target: AssignTarget, in scope: Scope) throws(ChatTemplateError) {
        switch target {
        case .name(let name):
            scope.define(name, value)
        case .attribute(let name, let attribute):
            guard case .namespace(let namespace) = scope.lookup(name) else {
                throw .typeError("cannot assign attribute '\(attribute)' on '\(name)', which is not a namespace")
            }
            namespace.attributes[attribute] = value
        case .unpack(let targets):
            let values = try ValueAccess.iterate(value)
            guard values.count == targets.count else {
                throw .typeError("cannot unpack \(values.count) values into \(targets.count) names")
            }
            for (element, inner) in zip(values, targets) { try assign(element, to: inner, in: scope) }
        }
    }

    private func makeMacro(_ definition: MacroDefinition, definedIn scope: Scope) -> TemplateValue {
        macroScopes.append(scope)
        let function = TemplateFunction(name: definition.name) { [unowned self, weak scope] (arguments) throws(ChatTemplateError) in
            guard arguments.positional.count <= definition.parameters.count else {
                throw .typeError("macro '\(definition.name)' takes not more than \(definition.parameters.count) argument(s)")
            }
            let call = Scope(parent: scope)
            for (index, parameter) in definition.parameters.enumerated() {
                if index < arguments.positional.count {
                    call.define(parameter.name, arguments.positional[index])
                } else if let keyword = arguments.keyword.first(where: { $0.name == parameter.name }) {
                    call.define(parameter.name, keyword.value)
                } else if let defaultValue = parameter.defaultValue {
                    call.define(parameter.name, try self.evaluate(defaultValue, in: call))
                } else {
                    call.define(parameter.name, .undefined(parameter.name))  // jinja2 does not insist
                }
            }
            if let unknown = arguments.keyword.first(where: { k in !definition.parameters.contains { $0.name == k.name } }) {
                throw .typeError("macro '\(definition.name)' takes no keyword argument '\(unknown.name)'")
            }
            return .string(try self.capture(definition.body, in: call))
        }
        return .function(function)
    }
}
