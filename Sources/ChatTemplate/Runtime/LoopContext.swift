// The `loop` variable inside a for loop: loop.index, loop.first, loop.last, loop.previtem...

enum LoopContext {
    static func value(index: Int, items: [TemplateValue]) -> TemplateValue {
        let length = items.count
        var loop = TemplateObject()
        loop["index"] = .int(index + 1)
        loop["index0"] = .int(index)
        loop["revindex"] = .int(length - index)
        loop["revindex0"] = .int(length - index - 1)
        loop["first"] = .bool(index == 0)
        loop["last"] = .bool(index == length - 1)
        loop["length"] = .int(length)
        loop["depth"] = .int(1)
        loop["depth0"] = .int(0)
        // Absent at the ends, so they read as undefined, as in jinja2.
        if index > 0 { loop["previtem"] = items[index - 1] }
        if index + 1 < length { loop["nextitem"] = items[index + 1] }
        loop["cycle"] = .function(TemplateFunction(name: "cycle") { (arguments) throws(ChatTemplateError) in
            guard !arguments.positional.isEmpty else { throw .typeError("no items for cycling given") }
            return arguments.positional[index % arguments.positional.count]
        })
        return .object(loop)
    }
}
