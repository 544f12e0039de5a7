/// Reads the body of `POST /agentic/v1/exposures` into rows: a JSON array,
/// or NDJSON (one value a line). Every row is read by the strict reader that
/// every door shares; each row is then checked on its own (`ExposureRow`).
public enum ExposureFeed {
    public enum Refusal: Error, Sendable, Equatable {
        /// Not JSON as capi reads it.
        case syntax(JSONSyntaxError)
        /// JSON, but no feed: not an array, or more rows than `limit`.
        case invalid(AdCPError)
    }

    public static func rows(_ body: [UInt8], ndjson: Bool, limit: Int) -> Result<[JSONValue], Refusal> {
        let tooMany = AdCPError(.invalidRequest, "at most \(limit) exposures per request; split the feed", field: "exposures")
        return body.withUnsafeBufferPointer { buffer -> Result<[JSONValue], Refusal> in
            var rows: [JSONValue] = []
            var reader = JSONReader(buffer)
            do throws(JSONSyntaxError) {
                if ndjson {
                    while true {
                        reader.skipWhitespace()
                        if reader.offset >= buffer.count { break }
                        rows.append(try reader.readValue())
                        if rows.count > limit { return .failure(.invalid(tooMany)) }
                        try reader.expectLineEnd()
                    }
                } else {
                    guard try reader.peekKind() == .array else {
                        return .failure(.invalid(AdCPError(
                            .invalidRequest, "the body must be a JSON array of exposures, or NDJSON with Content-Type application/x-ndjson")))
                    }
                    var over = false
                    try reader.readArray { (r, i) throws(JSONSyntaxError) in
                        if i >= limit { over = true; try r.skipValue() } else { rows.append(try r.readValue()) }
                    }
                    try reader.expectEnd()
                    if over { return .failure(.invalid(tooMany)) }
                }
            } catch {
                return .failure(.syntax(error))
            }
            return .success(rows)
        }
    }
}

extension JSONReader {
    /// NDJSON: after a value, only blanks up to a line feed or the end.
    mutating func expectLineEnd() throws(JSONSyntaxError) {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0D: offset += 1
            case 0x0A: offset += 1; return
            default: throw error("expected a line feed after each NDJSON value")
            }
        }
    }
}
