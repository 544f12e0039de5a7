/// An accepted event's JSON as it is stored: its usual keys, and the usual
/// values of a few, each replaced by a token of one or two bytes.
///
/// Sustained ingestion on a small machine is bound by the bytes it writes:
/// every stored byte goes to the disk twice (the WAL, then the database
/// file). The keys are a large share of a typical event's JSON, so storing
/// them as tokens cuts the bytes written.
///
/// The substitution is exact both ways, whatever the bytes: valid JSON
/// never holds a byte below 0x20 other than tab, line feed and carriage
/// return (strings must escape the others), so those bytes are free to
/// serve as tokens, and expanding each token gives back the event byte for
/// byte. A compact payload starts with `marker`; anything else (rows stored
/// before this encoding, or an input that holds a token byte after all) is
/// the JSON itself. The table is fixed: a stored payload depends on it, so
/// a different table would need another marker.
public enum CompactEventJSON {
    /// The first byte of a compact payload (JSON starts with `{` or white space).
    public static let marker: UInt8 = 0x01
    /// The byte before an extended token's number.
    static let extended: UInt8 = 0x1F

    /// Appends the stored form of `json` to `out`.
    public static func append(_ json: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let start = out.count
        // Tokens are shorter than their patterns: the marker and the
        // input's length always suffice.
        out.append(contentsOf: repeatElement(0, count: json.count + 1))
        let written = out.withUnsafeMutableBufferPointer { buffer in
            encode(json, into: buffer.baseAddress.map { $0 + start })
        }
        if let written {
            out.removeLast(json.count + 1 - written)
        } else {
            out.removeSubrange(start...)
            out.append(contentsOf: json)
        }
    }

    /// Calls `body` with the JSON of a stored payload: expanded into a
    /// scratch buffer if it is compact, the payload itself if not.
    public static func withJSON<R>(
        _ stored: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R {
        guard stored.first == marker else { return try body(stored) }
        let json = expand(stored)
        return try json.withUnsafeBufferPointer(body)
    }

    /// The JSON of a stored payload.
    public static func expand(_ stored: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard stored.first == marker, let base = stored.baseAddress else { return Array(stored) }
        let table = Table.shared
        // Two passes: the size, then the bytes, each token's expansion
        // copied straight from the table.
        var size = stored.count - 1
        forEachToken(base, stored.count) { _, token in size += table.expansion(token).count - token.length }
        return [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
            guard let dst = out.baseAddress else { return }
            var w = 0
            var copied = 1
            forEachToken(base, stored.count) { at, token in
                (dst + w).initialize(from: base + copied, count: at - copied)
                w += at - copied
                let pattern = table.expansion(token)
                if let p = pattern.baseAddress { (dst + w).initialize(from: p, count: pattern.count) }
                w += pattern.count
                copied = at + token.length
            }
            (dst + w).initialize(from: base + copied, count: stored.count - copied)
            initialized = w + stored.count - copied
        }
    }

    /// A token in a compact payload: its byte, the extended number that
    /// follows an `extended` byte, and how many bytes it takes.
    struct Token {
        var byte: UInt8
        var number: UInt8
        var length: Int { byte == CompactEventJSON.extended ? 2 : 1 }
    }

    /// Calls `body` with the offset of each token after the marker.
    @inline(__always)
    private static func forEachToken(_ base: UnsafePointer<UInt8>, _ count: Int, _ body: (Int, Token) -> Void) {
        var i = 1
        while case let next = ByteScan.firstIndex(base, from: i, count: count, controlOr: nil), next < count {
            let c = base[next]
            if c == extended, next + 1 < count {
                body(next, Token(byte: c, number: base[next + 1]))
                i = next + 2
            } else {
                if c != 0x09, c != 0x0A, c != 0x0D, c != extended { body(next, Token(byte: c, number: 0)) }
                i = next + 1
            }
        }
    }

    /// Tokenizes `json` into `out`, after a marker; the bytes written, or
    /// nil if the input holds a byte that a token uses.
    private static func encode(_ json: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>?) -> Int? {
        guard let out, let base = json.baseAddress else { return nil }
        let count = json.count
        let table = Table.shared
        out[0] = marker
        var w = 1
        var i = 0
        var copied = 0
        // After a pattern that opens a string value, the next quote most
        // likely closes it: no key starts there, so it is not looked up.
        var inString = false
        // Bytes below 0x20 (token bytes unless white space), and `"` or `{`,
        // where a pattern may begin.
        while case let next = ByteScan.firstIndex(base, from: i, count: count, controlOr: (0x22, 0x7B)), next < count {
            let c = base[next]
            if c < 0x20 {
                guard c == 0x09 || c == 0x0A || c == 0x0D else { return nil }
                i = next + 1
                continue
            }
            if inString, c == UInt8(ascii: "\"") {
                inString = false
                i = next + 1
                continue
            }
            // `"` or `{`: a key may begin here.
            guard let entry = table.match(base + next, count - next) else {
                i = next + 1
                continue
            }
            (out + w).update(from: base + copied, count: next - copied)
            w += next - copied
            out[w] = entry.token.0
            w += 1
            if let n = entry.token.1 {
                out[w] = n
                w += 1
            }
            i = next + entry.length
            copied = i
            inString = base[i - 1] == UInt8(ascii: "\"") && base[i - 2] == UInt8(ascii: ":")
        }
        (out + w).update(from: base + copied, count: count - copied)
        return w + count - copied
    }
}

extension CompactEventJSON {
    /// The patterns and their tokens. Order is the format: the first 26
    /// take the single-byte tokens, in `singleTokens` order; the rest are
    /// `extended` followed by their position among them. Append only.
    static let keys: [(key: String, values: [String])] = [
        (#""event_id":""#, []),
        (#""event_type":""#, EventType.allCases.map { $0.rawValue + "\"" }),
        (#""event_time":""#, []),
        (#""action_source":""#, ActionSource.allCases.map { $0.rawValue + "\"" }),
        (#""event_source_url":""#, ["https://"]),
        (#""user_match":{"#, []),
        (#""uids":["#, []),
        (#"{"type":""#, UIDType.allCases.map { $0.rawValue + #"","value":""# }),
        (#""value":""#, []),
        (#""value":"#, []),
        (#""hashed_email":""#, []),
        (#""hashed_phone":""#, []),
        (#""click_id":""#, []),
        (#""click_id_type":""#, [#"sc3clid""#]),
        (#""client_ip":""#, []),
        (#""client_user_agent":""#, ["Mozilla/5.0 ("]),
        (#""custom_data":{"#, []),
        (#""currency":""#, ["USD\"", "EUR\"", "GBP\"", "JPY\"", "CAD\"", "AUD\""]),
        (#""order_id":""#, []),
        (#""contents":["#, []),
        (#"{"id":""#, []),
        (#""quantity":"#, []),
        (#""price":"#, []),
        (#""content_ids":["#, []),
        (#""num_items":"#, []),
        (#""content_type":""#, []),
        (#""surface":""#, []),
        (#""custom_event_name":""#, []),
        (#""ext":"#, []),
        (#""content_name":""#, []),
        (#""content_category":""#, []),
        (#""search_string":""#, []),
        (#""progress_percent":"#, []),
        (#""progress_seconds":"#, []),
        (#""brand":""#, []),
        (#""type":""#, []),
        (#""id":""#, []),
    ]

    /// The bytes below 0x20 that valid JSON never holds, but for the marker
    /// and the extended prefix.
    static let singleTokens: [UInt8] = Array(0x02...0x08) + [0x0B, 0x0C] + Array(0x0E...0x1E)

    /// The patterns laid out flat, once for the process, so that matching
    /// (about fifty times an event) touches no reference counts.
    final class Table: Sendable {
        static let shared = Table()

        /// One pattern: where its bytes are, its token (one byte, or
        /// `extended` and a number), and the values that may follow it,
        /// longest first (tried first: a key and its value take one token).
        struct Entry {
            var start: Int
            var length: Int
            var token: (UInt8, UInt8?)
            var continuations: Range<Int> = 0..<0
        }

        nonisolated(unsafe) private let bytes: UnsafeMutableBufferPointer<UInt8>
        nonisolated(unsafe) private let entries: UnsafeMutableBufferPointer<Entry>
        /// Keys by the byte after the quote that opens them (`{"` keys by
        /// the byte after that, plus 256): a range of `leadOrder`, longest first.
        nonisolated(unsafe) private let leads: UnsafeMutableBufferPointer<Range<Int>>
        nonisolated(unsafe) private let leadOrder: UnsafeMutableBufferPointer<Int>
        /// What each token expands to: a range of `bytes`, by its byte
        /// (single tokens) or 32 + its number (extended ones).
        nonisolated(unsafe) private let expansions: UnsafeMutableBufferPointer<Range<Int>>

        init() {
            var allBytes: [UInt8] = []
            var all: [Entry] = []
            var expanding = [Range<Int>](repeating: 0..<0, count: 32 + 256)
            var assigned = 0
            func add(_ pattern: [UInt8]) -> Entry {
                defer { assigned += 1 }
                let entry: Entry
                let range = allBytes.count..<(allBytes.count + pattern.count)
                if assigned < singleTokens.count {
                    expanding[Int(singleTokens[assigned])] = range
                    entry = Entry(start: range.lowerBound, length: pattern.count, token: (singleTokens[assigned], nil))
                } else {
                    let n = assigned - singleTokens.count
                    precondition(n < 256, "CompactEventJSON: more patterns than tokens")
                    expanding[32 + n] = range
                    entry = Entry(start: range.lowerBound, length: pattern.count, token: (extended, UInt8(n)))
                }
                allBytes += pattern
                return entry
            }
            // Keys first, so that the single-byte tokens go to keys; then
            // each key's values, in order.
            var keyEntries = keys.map { add(Array($0.key.utf8)) }
            for (k, key) in keys.enumerated() {
                let values = key.values.map { add(Array(key.key.utf8) + Array($0.utf8)) }.sorted { $0.length > $1.length }
                keyEntries[k].continuations = all.count..<(all.count + values.count)
                all += values
            }
            let firstKey = all.count
            all += keyEntries
            var byLead = [[Int]](repeating: [], count: 512)
            for (k, key) in keys.enumerated() {
                let p = Array(key.key.utf8)
                byLead[p[0] == UInt8(ascii: "{") ? 256 + Int(p[2]) : Int(p[1])].append(firstKey + k)
            }
            var order: [Int] = []
            var leadRanges: [Range<Int>] = []
            for list in byLead {
                let sorted = list.sorted { all[$0].length > all[$1].length }
                leadRanges.append(order.count..<(order.count + sorted.count))
                order += sorted
            }
            func forever<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
                let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: array.count)
                _ = buffer.initialize(from: array)
                return buffer
            }
            bytes = forever(allBytes)
            entries = forever(all)
            leads = forever(leadRanges)
            leadOrder = forever(order)
            expansions = forever(expanding)
        }

        /// The bytes `token` stands for (none for a byte no token uses).
        @inline(__always)
        func expansion(_ token: Token) -> UnsafeBufferPointer<UInt8> {
            let range = expansions[token.byte == extended ? 32 + Int(token.number) : Int(token.byte)]
            return UnsafeBufferPointer(rebasing: UnsafeBufferPointer(bytes)[range])
        }

        /// The longest pattern at `p` (which holds `count` bytes), if any.
        @inline(__always)
        func match(_ p: UnsafePointer<UInt8>, _ count: Int) -> Entry? {
            let lead: Int
            if p[0] == UInt8(ascii: "{") {
                guard count > 2, p[1] == UInt8(ascii: "\"") else { return nil }
                lead = 256 + Int(p[2])
            } else {
                guard count > 1 else { return nil }
                lead = Int(p[1])
            }
            for k in leadOrder[leads[lead]] where starts(p, count, with: entries[k], from: 0) {
                let key = entries[k]
                // A value is tried only past its key, which has matched.
                for value in entries[key.continuations] where starts(p, count, with: value, from: key.length) {
                    return value
                }
                return key
            }
            return nil
        }

        /// Whether the `count` bytes at `p` start with `entry`'s pattern,
        /// comparing from byte `from` on, eight bytes at a time.
        @inline(__always)
        private func starts(_ p: UnsafePointer<UInt8>, _ count: Int, with entry: Entry, from: Int) -> Bool {
            guard entry.length <= count, let base = bytes.baseAddress else { return false }
            let q = UnsafeRawPointer(base + entry.start)
            let raw = UnsafeRawPointer(p)
            var i = from
            while i + 8 <= entry.length {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) != q.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                    return false
                }
                i += 8
            }
            while i < entry.length {
                if p[i] != base[entry.start + i] { return false }
                i += 1
            }
            return true
        }
    }
}
