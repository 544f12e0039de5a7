/// The copy of a refused event that the test-event log keeps.
///
/// An event refused because its `hashed_email` is a plain address must not
/// leave that address in storage, nor in the listing that echoes test
/// events. So a refused event is kept with every value that may be raw PII
/// replaced: a `hashed_email` or `hashed_phone`, at any depth, that is not a
/// SHA-256 hex digest, and any string shaped like an email address.
/// Accepted events carry none of these (the rules refuse them), so they are
/// kept as sent.
public enum EventRedaction {
    /// What a redacted value becomes.
    public static let placeholder = "[redacted]"

    /// `event` (one JSON object), redacted; its members in canonical order.
    public static func redacted(_ event: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var reader = JSONReader(event)
        guard let value = try? reader.readValue() else { return Array("{}".utf8) }
        return Array(redacted(value).canonicalText.utf8)
    }

    static func redacted(_ value: JSONValue, key: String? = nil) -> JSONValue {
        switch value {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (name, member) in members { out[name] = redacted(member, key: name) }
            return .object(out)
        case .array(let items):
            return .array(items.map { redacted($0, key: key) })
        case .string(let s):
            if key == "hashed_email" || key == "hashed_phone" {
                var s = s
                return s.withUTF8(EventValidator.isSHA256Hex) ? value : .string(placeholder)
            }
            return looksLikeEmailAddress(s) ? .string(placeholder) : value
        case .number, .bool, .null:
            // A number where a hash belongs could be a phone number.
            if key == "hashed_email" || key == "hashed_phone", case .number = value { return .string(placeholder) }
            return value
        }
    }

    /// `local@domain.tld`: an `@` with something before it and a dot after it.
    static func looksLikeEmailAddress(_ s: String) -> Bool {
        guard let at = s.firstIndex(of: "@"), at != s.startIndex else { return false }
        let domain = s[s.index(after: at)...]
        guard let dot = domain.lastIndex(of: "."), dot != domain.startIndex, domain.index(after: dot) != domain.endIndex else {
            return false
        }
        return !s.contains(" ")
    }
}
