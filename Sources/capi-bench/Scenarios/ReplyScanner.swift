/// Finds a few numbers in a reply without decoding it.
///
/// REST answers with the log_event JSON; MCP wraps the same JSON in a tool
/// result, possibly as an escaped string inside an SSE frame. A key scan
/// reads all three shapes alike and costs nothing next to the request.
enum ReplyScanner {
    static func contains(_ body: [UInt8], _ needle: String) -> Bool {
        find(Array(needle.utf8), in: body, from: 0) != nil
    }

    /// The integer after `"key":` (or `\"key\":`), first occurrence
    /// (with `following`, the first after the first occurrence of that text).
    static func integer(after key: String, following marker: String? = nil, in body: [UInt8]) -> Int? {
        var from = 0
        if let marker {
            guard let m = find(Array(marker.utf8), in: body, from: 0) else { return nil }
            from = m + marker.utf8.count
        }
        guard var i = valueStart(after: key, in: body, from: from) else { return nil }
        var value = 0
        var digits = 0
        while i < body.count, body[i] >= 0x30, body[i] <= 0x39 {
            value = value * 10 + Int(body[i] - 0x30)
            digits += 1
            i += 1
        }
        return digits > 0 ? value : nil
    }

    /// The plain string after `"key":`, first occurrence (no escapes expected).
    static func string(after key: String, in body: [UInt8]) -> String? {
        guard var i = valueStart(after: key, in: body) else { return nil }
        while i < body.count, body[i] == UInt8(ascii: "\\") || body[i] == UInt8(ascii: "\"") { i += 1 }
        let start = i
        while i < body.count, body[i] != UInt8(ascii: "\\"), body[i] != UInt8(ascii: "\"") { i += 1 }
        return i > start ? String(decoding: body[start..<i], as: UTF8.self) : nil
    }

    private static func valueStart(after key: String, in body: [UInt8], from: Int = 0) -> Int? {
        guard let at = find(Array(key.utf8), in: body, from: from) else { return nil }
        var i = at + key.utf8.count
        while i < body.count, [UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: " ")].contains(body[i]) {
            if body[i] == UInt8(ascii: ":") {
                i += 1
                while i < body.count, body[i] == UInt8(ascii: " ") { i += 1 }
                return i
            }
            i += 1
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in body: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, body.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= body.count {
            if body[i] == needle[0], body[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
