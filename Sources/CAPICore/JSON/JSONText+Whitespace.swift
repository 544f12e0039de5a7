extension JSONText {
    /// Calls `body` with each run of `json` between white space that is
    /// outside strings, in order: their concatenation is the text without
    /// its insignificant white space, whatever separators the sender used.
    /// Compact JSON is one run. String contents are passed over eight
    /// bytes at a time. The text is not checked: the strict reader does that.
    public static func forEachSignificantRun(_ json: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard let base = json.baseAddress else { return }
        let count = json.count
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var runStart = 0
        var i = 0
        while i < count {
            let c = base[i]
            if c == quote {
                // To the closing quote, stepping over escapes.
                i += 1
                while true {
                    i = ByteScan.firstIndex(base, from: i, count: count, controlOr: (quote, backslash))
                    guard i < count else { break }
                    if base[i] == backslash { i += 2; continue }
                    if base[i] == quote { i += 1; break }
                    i += 1  // a control byte: not valid JSON, kept as it is
                }
            } else if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                if i > runStart { body(UnsafeBufferPointer(start: base + runStart, count: i - runStart)) }
                i += 1
                while i < count, base[i] == 0x20 || base[i] == 0x0A || base[i] == 0x0D || base[i] == 0x09 { i += 1 }
                runStart = i
            } else {
                i += 1
            }
        }
        if count > runStart { body(UnsafeBufferPointer(start: base + runStart, count: min(count, i) - runStart)) }
    }
}
