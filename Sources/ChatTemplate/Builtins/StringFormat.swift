// `str.format` for the plain replacement fields templates use: `{}`, `{0}`, `{name}`, with
// `{{` and `}}` as literal braces. Format specs and conversions (`{:>8}`, `{!r}`) are
// rejected by name rather than approximated.

enum StringFormat {
    static func format(_ template: String, _ arguments: TemplateArguments) throws(ChatTemplateError) -> String {
        let scalars = template.scalars
        var result = ""
        var nextAutomatic = 0
        var usedManualNumbering = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "}" {
                guard index + 1 < scalars.count, scalars[index + 1] == "}" else {
                    throw .typeError("Single '}' encountered in format string")
                }
                result += "}"
                index += 2
                continue
            }
            guard scalar == "{" else {
                result.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            if index + 1 < scalars.count, scalars[index + 1] == "{" {
                result += "{"
                index += 2
                continue
            }
            guard let close = scalars[index...].firstIndex(of: "}") else {
                throw .typeError("Single '{' encountered in format string")
            }
            let field = String(scalars: scalars[(index + 1)..<close])
            if field.contains(":") || field.contains("!") || field.contains(".") || field.contains("[") {
                throw .unsupported("str.format field '{\(field)}' (format specs and conversions)", line: nil)
            }
            let value: TemplateValue?
            if field.isEmpty {
                guard !usedManualNumbering else {
                    throw .typeError("cannot switch from manual field specification to automatic field numbering")
                }
                value = nextAutomatic < arguments.positional.count ? arguments.positional[nextAutomatic] : nil
                nextAutomatic += 1
            } else if let position = Int(field) {
                guard nextAutomatic == 0 else {
                    throw .typeError("cannot switch from automatic field numbering to manual field specification")
                }
                usedManualNumbering = true
                value = position < arguments.positional.count ? arguments.positional[position] : nil
            } else {
                value = arguments.keyword.first { $0.name == field }?.value
            }
            guard let value else { throw .typeError("Replacement index or key '\(field)' is missing in format()") }
            result += try value.pythonString()
            index = close + 1
        }
        return result
    }
}
