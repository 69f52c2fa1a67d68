// The parsed form of a template: statements (text, output, control flow) over expressions.

indirect enum Expression: Sendable {
    case literal(TemplateValue)
    case name(String)
    case list([Expression])
    /// Tuples behave as lists here; only their printed form would differ, and chat templates
    /// use them for unpacking and `in` tests, never for printing.
    case tuple([Expression])
    case dict([(key: Expression, value: Expression)])
    case attribute(Expression, String)
    case item(Expression, Expression)
    case slice(Expression, start: Expression?, stop: Expression?, step: Expression?)
    case call(Expression, [Argument])
    case filter(Expression, name: String, arguments: [Argument], line: Int)
    case test(Expression, name: String, arguments: [Argument], negated: Bool, line: Int)
    case negate(Expression)
    case unaryPlus(Expression)
    case not(Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case binary(BinaryOperator, Expression, Expression)
    /// `a < b <= c`: Python's chained comparison.
    case compare(Expression, [(CompareOperator, Expression)])
    /// `a if condition else b`; without `else` the result is undefined when false.
    case conditional(condition: Expression, then: Expression, otherwise: Expression?)
}

struct Argument: Sendable {
    /// nil for a positional argument.
    let name: String?
    let value: Expression
}

enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//"
    case modulo = "%", power = "**", concat = "~"
}

enum CompareOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case contains = "in", notContains = "not in"
}

/// Where an assignment or loop stores values.
enum AssignTarget: Sendable {
    case name(String)
    /// `ns.attribute`, only valid on namespace objects.
    case attribute(String, String)
    case unpack([AssignTarget])
}

struct Node: Sendable {
    let statement: Statement
    let line: Int
}

indirect enum Statement: Sendable {
    case text(String)
    case output(Expression)
    case conditional(branches: [(condition: Expression, body: [Node])], otherwise: [Node])
    case forLoop(ForLoop)
    case set(AssignTarget, Expression)
    /// `{% set x %}...{% endset %}`: captures rendered text, optionally through filters.
    case setBlock(AssignTarget, filters: [(name: String, arguments: [Argument])], body: [Node])
    case macro(MacroDefinition)
    /// `{% filter upper %}...{% endfilter %}`.
    case filterBlock(filters: [(name: String, arguments: [Argument])], body: [Node])
    /// `{% with a = 1 %}...{% endwith %}`: a scope with its own assignments.
    case with(assignments: [(AssignTarget, Expression)], body: [Node])
    /// transformers' `{% generation %}` marker: renders its body unchanged.
    case generation([Node])
    case breakLoop
    case continueLoop
}

struct ForLoop: Sendable {
    let target: AssignTarget
    let iterable: Expression
    let filter: Expression?
    let body: [Node]
    let otherwise: [Node]
}

struct MacroDefinition: Sendable {
    let name: String
    let parameters: [(name: String, defaultValue: Expression?)]
    let body: [Node]
}
