// A string-keyed dictionary that keeps insertion order, like a Python dict. Order is visible
// in rendered prompts: `tojson` on a tool schema and `for key, value in tool.items()` must
// emit keys in the order the request gave them.

/// An insertion-ordered dictionary of template values (a Python dict with string keys).
public struct TemplateObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var storage: [String: TemplateValue] = [:]

    public init() {}

    /// Builds an object from pairs; a repeated key keeps its first position and last value,
    /// as a Python dict literal does.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, TemplateValue) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> TemplateValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Key/value pairs in insertion order.
    public var pairs: [(key: String, value: TemplateValue)] {
        keys.map { ($0, storage[$0]!) }
    }

    public var values: [TemplateValue] { keys.map { storage[$0]! } }

    /// Python dict equality: same keys and equal values, whatever the order.
    public static func == (lhs: TemplateObject, rhs: TemplateObject) -> Bool {
        lhs.storage == rhs.storage
    }
}

/// The object `namespace(...)` returns: the one value a template may mutate (`set ns.x = 1`),
/// shared by reference so that assignments inside loops are seen after them.
public final class TemplateNamespace: @unchecked Sendable {
    // Unchecked: a namespace is created and used inside one render call on one thread.
    var attributes: TemplateObject

    init(_ attributes: TemplateObject) { self.attributes = attributes }
}
