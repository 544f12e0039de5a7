extension IdentityKey {
    /// The storage keys of an accepted event, read back from its stored
    /// payload (the event's JSON as sent), strongest first.
    ///
    /// The attribution worker derives them here, once per conversion, so the
    /// request path neither builds nor stores them: the same `user_match`
    /// decoder and identifier rules as at ingestion give the same keys. A
    /// payload that no longer reads as an event has no keys.
    public static func storageKeys(ofStoredEvent payload: UnsafeBufferPointer<UInt8>) -> [String] {
        guard let (match, text) = try? LogEventDecoder.storedUserMatch(payload),
              let spans = try? EventValidator.identifierRules.checkUserMatch(match, in: text)
        else { return [] }
        return storageKeys(for: spans.identifiers(in: text))
    }

    /// The storage keys an identity carries, strongest first (`IdentityKey`'s
    /// order), built directly: no `IdentityKey`s and no general sort, because
    /// the worker does this for every conversion.
    public static func storageKeys(for ids: Identifiers) -> [String] {
        var out: [String] = []
        out.reserveCapacity(ids.uids.count + 4)
        let separator = "\u{1F}"
        if let click = ids.clickID, ids.clickIDType == "sc3clid" { out.append(joined("sc3clid", separator, click)) }
        let uids = ids.uids.count < 2 ? ids.uids : ids.uids.sorted { ($0.type.rawValue, $0.value) < ($1.type.rawValue, $1.value) }
        for uid in uids { out.append(joined(UIDType.keyKindPrefix, uid.type.rawValue, separator, uid.value)) }
        if let e = ids.hashedEmail { out.append(joined("hashed_email", separator, e)) }
        if let p = ids.hashedPhone { out.append(joined("hashed_phone", separator, p)) }
        if let ip = ids.clientIP, let ua = ids.clientUserAgent { out.append(joined("ip_ua", separator, ip, "|", ua)) }
        return out
    }

    /// The parts one after another, in one allocation.
    private static func joined(_ parts: String...) -> String {
        var count = 0
        for part in parts { count += part.utf8.count }
        return String(unsafeUninitializedCapacity: count) { out in
            var at = 0
            for var part in parts {
                at += part.withUTF8 { bytes in
                    guard let source = bytes.baseAddress, let target = out.baseAddress else { return 0 }
                    (target + at).update(from: source, count: bytes.count)
                    return bytes.count
                }
            }
            return at
        }
    }
}
