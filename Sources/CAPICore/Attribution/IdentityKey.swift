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

    /// Reads a stored list back.
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

    /// The stored list of an identity's keys, or nil when it has none.
    public static func storedList(for ids: Identifiers) -> String? {
        var out: [UInt8] = []
        guard appendStoredList(for: ids, to: &out) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the stored list of an identity's keys to `out`, in the order
    /// `keys(for:)` sorts to; false when it has none. The log_event path
    /// writes a whole run's lists into one buffer this way: bytes, not
    /// Strings, because this runs for every event.
    @discardableResult
    public static func appendStoredList(for ids: Identifiers, to out: inout [UInt8]) -> Bool {
        guard ids.isMatchable || ids.clickID != nil else { return false }
        let start = out.count
        func add(_ kind: String, _ value: String, _ more: String? = nil, uid: Bool = false) {
            if out.count > start { out.append(0x1E) }
            if uid { out.appendUTF8(UIDType.keyKindPrefix) }
            out.appendUTF8(kind)
            out.append(0x1F)
            out.appendUTF8(value)
            if let more {
                out.append(UInt8(ascii: "|"))
                out.appendUTF8(more)
            }
        }
        if let click = ids.clickID, ids.clickIDType == "sc3clid" { add("sc3clid", click) }
        switch ids.uids.count {
        case 0: break
        case 1: add(ids.uids[0].type.rawValue, ids.uids[0].value, uid: true)
        case 2 where Self.uidOrder(ids.uids[0], ids.uids[1]):
            add(ids.uids[0].type.rawValue, ids.uids[0].value, uid: true)
            add(ids.uids[1].type.rawValue, ids.uids[1].value, uid: true)
        default:
            for uid in ids.uids.sorted(by: Self.uidOrder) { add(uid.type.rawValue, uid.value, uid: true) }
        }
        if let e = ids.hashedEmail { add("hashed_email", e) }
        if let p = ids.hashedPhone { add("hashed_phone", p) }
        if let ip = ids.clientIP, let ua = ids.clientUserAgent { add("ip_ua", ip, ua) }
        return out.count > start
    }

    /// Uids in a stored list: by type name, then value.
    static func uidOrder(_ a: UID, _ b: UID) -> Bool { (a.type.rawValue, a.value) < (b.type.rawValue, b.value) }

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
    public static func keys(for ids: Identifiers) -> [IdentityKey] {
        var keys: [IdentityKey] = []
        if let click = ids.clickID, ids.clickIDType == "sc3clid" { keys.append(IdentityKey(kind: "sc3clid", value: click)) }
        for uid in ids.uids { keys.append(IdentityKey(kind: uid.type.keyKind, value: uid.value)) }
        if let e = ids.hashedEmail { keys.append(IdentityKey(kind: "hashed_email", value: e)) }
        if let p = ids.hashedPhone { keys.append(IdentityKey(kind: "hashed_phone", value: p)) }
        if let ip = ids.clientIP, let ua = ids.clientUserAgent { keys.append(IdentityKey(kind: "ip_ua", value: ip + "|" + ua)) }
        return keys.sorted()
    }
}

extension [UInt8] {
    /// A String's bytes, copied in one go (`append(contentsOf: s.utf8)` walks them one by one).
    @inline(__always)
    mutating func appendUTF8(_ s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }
}
