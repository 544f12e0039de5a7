/// One identifier an exposure and a conversion can share, in a form that
/// can be indexed: `kind` names what matched, `value` is the identifier.
public struct IdentityKey: Sendable, Hashable, Comparable {
    /// `sc3clid`, `uid:<type>`, `hashed_email`, `hashed_phone` or `ip_ua`.
    public var kind: String
    public var value: String

    public init(kind: String, value: String) {
        self.kind = kind
        self.value = value
    }

    /// Separates keys in a stored list (ASCII record separator).
    public static let listSeparator = "\u{1E}"

    /// Reads a stored list back. Events stored before the worker derived
    /// keys from payloads carry such a list (`events.identity_keys`).
    public static func list(_ text: String?) -> [IdentityKey] {
        storageKeys(inList: text).compactMap(IdentityKey.init(storageKey:))
    }

    /// The storage keys of a stored list, in its order, without building
    /// `IdentityKey`s: what a lookup binds. Entries without a kind are skipped.
    public static func storageKeys(inList text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        var out: [String] = []
        for part in text.utf8.split(separator: 0x1E) where part.contains(0x1F) {
            out.append(String(decoding: part, as: UTF8.self))
        }
        return out
    }

    /// The single indexed text: kind, a unit separator, value.
    public var storageKey: String { kind + "\u{1F}" + value }

    public init?(storageKey: String) {
        guard let sep = storageKey.firstIndex(of: "\u{1F}") else { return nil }
        kind = String(storageKey[..<sep])
        value = String(storageKey[storageKey.index(after: sep)...])
    }

    /// Stronger identifiers first: when one exposure matches through several,
    /// the explanation names the strongest.
    public var strength: Int {
        switch kind {
        case "sc3clid": 0
        case "hashed_email": 2
        case "hashed_phone": 3
        case "ip_ua": 4
        default: 1
        }
    }

    public static func < (a: IdentityKey, b: IdentityKey) -> Bool {
        (a.strength, a.kind, a.value) < (b.strength, b.kind, b.value)
    }

    /// The keys an identity carries, strongest first. A click id counts only
    /// when it is capi's own `sc3clid`; other platforms' ids cannot match here.
    /// (`storageKeys(for:)` holds the order.)
    public static func keys(for ids: Identifiers) -> [IdentityKey] {
        storageKeys(for: ids).compactMap(IdentityKey.init(storageKey:))
    }
}
