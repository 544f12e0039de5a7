import Foundation

/// The string formats the AdCP schemas name, checked loosely: the shape,
/// not every calendar or RFC rule. Other formats pass.
enum JSONSchemaFormat {
    private static let shapes: [String: String] = [
        // RFC 3339: date, "T", time with optional fraction, then Z or an offset.
        "date-time": #"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"#,
        "date": #"^\d{4}-\d{2}-\d{2}$"#,
        "email": #"^[^@\s]+@[^@\s]+$"#,
        // An absolute URI: a scheme, a colon, no spaces.
        "uri": #"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$"#,
    ]

    static func accepts(_ value: String, format: String) -> Bool {
        guard let shape = shapes[format] else { return true }
        guard value.range(of: shape, options: .regularExpression) != nil else { return false }
        if format == "date-time" || format == "date" {
            let digits = value.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard digits.count >= 3, (1...12).contains(digits[1]), (1...31).contains(digits[2]) else { return false }
            if format == "date-time", digits.count >= 6 {
                return digits[3] < 24 && digits[4] < 60 && digits[5] < 61
            }
        }
        return true
    }
}
