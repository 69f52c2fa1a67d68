import Foundation

/// Integers separated by commas, spaces around each allowed (`--token-ids`, `--batch`); nil
/// when any item is not one.
func commaSeparatedIntegers<T: FixedWidthInteger>(_ text: String) -> [T]? {
    let values = text.split(separator: ",").map { T($0.trimmingCharacters(in: .whitespaces)) }
    return values.contains(nil) ? nil : values.map { $0! }
}
