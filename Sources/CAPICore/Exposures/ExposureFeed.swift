/// Reads the body of `POST /agentic/v1/exposures`: a JSON array, or NDJSON
/// (one value a line), of rows (`ExposureFeedRow`).
///
/// In two steps, so that a large feed can be stored while it is still being
/// read: `rowStarts` checks the whole body's syntax and finds where each row
/// begins (a malformed body is refused before anything is stored), then
/// `rows(_:at:)` reads any run of rows. Every step uses the strict reader
/// that every door shares.
public enum ExposureFeed {
    public enum Refusal: Error, Sendable, Equatable {
        /// Not JSON as capi reads it.
        case syntax(JSONSyntaxError)
        /// JSON, but no feed: not an array, or more rows than `limit`.
        case invalid(AdCPError)
    }

    /// Where the rows of a checked body begin.
    public struct RowStarts: Sendable, Equatable {
        /// Offsets in the body, one per row.
        public var offsets: [Int]
        /// The nesting depth rows sit at: 1 inside an array, 0 in NDJSON.
        public var depth: Int
    }

    /// Checks `body` and finds its rows.
    public static func rowStarts(_ body: [UInt8], ndjson: Bool, limit: Int) -> Result<RowStarts, Refusal> {
        let tooMany = AdCPError(.invalidRequest, "at most \(limit) exposures per request; split the feed", field: "exposures")
        return body.withUnsafeBufferPointer { buffer -> Result<RowStarts, Refusal> in
            var starts: [Int] = []
            var reader = JSONReader(buffer)
            do throws(JSONSyntaxError) {
                if ndjson {
                    while true {
                        reader.skipWhitespace()
                        if reader.offset >= buffer.count { break }
                        starts.append(reader.offset)
                        if starts.count > limit { return .failure(.invalid(tooMany)) }
                        try reader.skipValue()
                        try reader.expectLineEnd()
                    }
                } else {
                    guard try reader.peekKind() == .array else {
                        return .failure(.invalid(AdCPError(
                            .invalidRequest, "the body must be a JSON array of exposures, or NDJSON with Content-Type application/x-ndjson")))
                    }
                    var over = false
                    try reader.readArray { (r, i) throws(JSONSyntaxError) in
                        if i >= limit { over = true } else { starts.append(r.valueStart()) }
                        try r.skipValue()
                    }
                    try reader.expectEnd()
                    if over { return .failure(.invalid(tooMany)) }
                }
            } catch {
                return .failure(.syntax(error))
            }
            return .success(RowStarts(offsets: starts, depth: ndjson ? 0 : 1))
        }
    }

    /// Reads the rows that begin at `offsets`, found by `rowStarts` in the same body.
    public static func rows(_ body: [UInt8], at offsets: ArraySlice<Int>, depth: Int) throws(JSONSyntaxError) -> [ExposureFeedRow] {
        let result = body.withUnsafeBufferPointer { buffer -> Result<[ExposureFeedRow], JSONSyntaxError> in
            var rows: [ExposureFeedRow] = []
            rows.reserveCapacity(offsets.count)
            do throws(JSONSyntaxError) {
                for offset in offsets {
                    var reader = JSONReader(buffer, at: offset, depth: depth)
                    rows.append(try ExposureFeedRow.read(&reader))
                }
            } catch {
                return .failure(error)
            }
            return .success(rows)
        }
        return try result.get()
    }

    /// Every row of `body`, in one go.
    public static func rows(_ body: [UInt8], ndjson: Bool, limit: Int) -> Result<[ExposureFeedRow], Refusal> {
        rowStarts(body, ndjson: ndjson, limit: limit).flatMap { starts in
            do throws(JSONSyntaxError) {
                return .success(try rows(body, at: starts.offsets[...], depth: starts.depth))
            } catch {
                return .failure(.syntax(error))
            }
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
