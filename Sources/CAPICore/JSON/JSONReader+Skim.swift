extension JSONReader {
    /// Finds where each element of the array at the reader starts and ends,
    /// by structure alone: string bounds and bracket depth.
    ///
    /// What lies between elements (white space, commas, the closing bracket)
    /// and the nesting depth are checked strictly; an element's inside is
    /// not, so each range must be read strictly later and must be consumed
    /// whole. Why: a strict skip costs as much as the strict read that
    /// follows it, and on a log_event batch it ran on one core before the
    /// reads could spread over all of them.
    ///
    /// Keeps the first `limit` ranges in `ranges`; returns how many elements there are.
    public mutating func skimArray(keeping limit: Int, into ranges: inout [Range<Int>]) throws(JSONSyntaxError) -> Int {
        skipWhitespace()
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") { offset += 1; return 0 }
        var count = 0
        while true {
            let start = offset
            try skimElement()
            if count < limit { ranges.append(start..<offset) }
            count += 1
            skipWhitespace()
            guard offset < bytes.count else { throw error("unterminated array") }
            let c = bytes[offset]
            offset += 1
            if c == UInt8(ascii: ",") { skipWhitespace(); continue }
            if c == UInt8(ascii: "]") { return count }
            offset -= 1
            throw error("expected ',' or ']'")
        }
    }

    /// Moves past one element: a string, a container up to the bracket that
    /// closes it, or any other token up to the next delimiter. Its inside is
    /// not checked: the element must be read strictly later.
    public mutating func skimElement() throws(JSONSyntaxError) {
        guard offset < bytes.count else { throw error("unexpected end of input") }
        switch bytes[offset] {
        case UInt8(ascii: "\""):
            offset = try skimString(from: offset + 1)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            offset = try skimContainer(from: offset)
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ":"):
            throw error("unexpected character")
        default:
            // A number or a literal: its grammar is the strict read's to check.
            while offset < bytes.count, !Self.endsToken(bytes[offset]) { offset += 1 }
        }
    }

    /// The index just past the container opening at `start`. Brackets are
    /// only counted, not matched by kind: the strict read matches them.
    private func skimContainer(from start: Int) throws(JSONSyntaxError) -> Int {
        var depth = 0
        var i = start
        // Tests in order of frequency, and `| 0x20` folds `[` into `{` and
        // `]` into `}`: direct branches, which predict better than a switch's jump.
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "\"") {
                i = try skimString(from: i)
            } else if c | 0x20 == UInt8(ascii: "{") {
                guard depth < Self.maxNesting else { throw JSONSyntaxError(message: "nesting too deep", offset: i) }
                depth += 1
            } else if c | 0x20 == UInt8(ascii: "}") {
                depth -= 1
                if depth == 0 { return i }
            }
        }
        throw JSONSyntaxError(message: "unterminated array or object", offset: i)
    }

    /// The index just past the string whose contents begin at `start`.
    /// Inlined: a batch holds some fifty strings an event, most without escapes.
    @inline(__always)
    private func skimString(from start: Int) throws(JSONSyntaxError) -> Int {
        let end = plainRun(from: start)
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") { return end + 1 }
        return try skimEscapedString(from: end)
    }

    /// The rest of a string from its first escape (or fault) at `start`.
    /// An escape's second byte never ends the string; whether the escape is
    /// valid is the strict read's to check.
    @inline(never)
    private func skimEscapedString(from start: Int) throws(JSONSyntaxError) -> Int {
        var i = start
        while true {
            i = plainRun(from: i)
            guard i < bytes.count else { throw JSONSyntaxError(message: "unterminated string", offset: bytes.count) }
            switch bytes[i] {
            case UInt8(ascii: "\""): return i + 1
            case UInt8(ascii: "\\"): i += 2
            default: throw JSONSyntaxError(message: "control character in string", offset: i)
            }
        }
    }

    /// Bytes that cannot belong to a number or a literal.
    @inline(__always)
    private static func endsToken(_ c: UInt8) -> Bool {
        switch c {
        case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "["),
             UInt8(ascii: "{"), UInt8(ascii: "\""), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }
}
