/// Writes JSON text by hand where an encoder would cost more than the data.
public enum JSONText {
    /// `s` as a quoted JSON string. DEL and the line and paragraph
    /// separators are escaped too: valid JSON either way, but safe to
    /// paste into a log viewer or a script.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}" {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// `[{"type":…,"value":…},…]` for a uid list.
    public static func uids(_ uids: [UID]) -> String {
        "[" + uids.map { "{\"type\":\"\($0.type.rawValue)\",\"value\":\(quoted($0.value))}" }.joined(separator: ",") + "]"
    }
}
