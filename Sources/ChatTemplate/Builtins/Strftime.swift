// C-locale strftime for `strftime_now(...)` (Llama 3.2 prints "Today Date: 26 Jul 2024").
// Only the directives with one locale-free meaning are implemented; others are rejected.

import Foundation

enum Strftime {
    private static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
    private static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func format(_ date: Date, _ format: String, timeZone: TimeZone) throws(ChatTemplateError) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let year = parts.year!, month = parts.month!, day = parts.day!
        let hour = parts.hour!, minute = parts.minute!, second = parts.second!
        let weekday = parts.weekday! - 1  // Calendar counts Sunday as 1
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date)!

        func padded(_ value: Int, _ width: Int = 2) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }

        var result = ""
        var scalars = format.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "%" else { result.unicodeScalars.append(scalar); continue }
            guard let directive = scalars.next() else { result += "%"; break }
            switch directive {
            case "d": result += padded(day)
            case "e": result += (day < 10 ? " " : "") + String(day)
            case "m": result += padded(month)
            case "Y": result += String(year)
            case "y": result += padded(year % 100)
            case "H": result += padded(hour)
            case "I": result += padded(hour % 12 == 0 ? 12 : hour % 12)
            case "M": result += padded(minute)
            case "S": result += padded(second)
            case "p": result += hour < 12 ? "AM" : "PM"
            case "b", "h": result += String(monthNames[month - 1].prefix(3))
            case "B": result += monthNames[month - 1]
            case "a": result += String(weekdayNames[weekday].prefix(3))
            case "A": result += weekdayNames[weekday]
            case "j": result += padded(dayOfYear, 3)
            case "F": result += "\(year)-\(padded(month))-\(padded(day))"
            case "%": result += "%"
            default:
                throw .unsupported("the strftime directive '%\(directive)'", line: nil)
            }
        }
        return result
    }
}
