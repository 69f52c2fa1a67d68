// Variable scopes with jinja2's rules: each for-loop iteration, macro call and `with` block
// gets a fresh child scope, so a `set` inside it is gone afterwards (and each iteration
// starts from the outer values); `if` blocks do not open a scope. Namespaces are the way
// templates carry state out of loops, which is why they are reference objects.

final class Scope {
    private var variables: [String: TemplateValue] = [:]
    let parent: Scope?

    init(parent: Scope?, variables: [String: TemplateValue] = [:]) {
        self.parent = parent
        self.variables = variables
    }

    func lookup(_ name: String) -> TemplateValue? {
        var scope: Scope? = self
        while let current = scope {
            if let value = current.variables[name] { return value }
            scope = current.parent
        }
        return nil
    }

    func define(_ name: String, _ value: TemplateValue) {
        variables[name] = value
    }
}
