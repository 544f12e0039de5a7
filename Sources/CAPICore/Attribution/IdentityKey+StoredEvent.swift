extension IdentityKey {
    /// The storage keys of an accepted event, read back from its stored
    /// payload (the event's JSON as sent, compact or plain:
    /// `CompactEventJSON`), strongest first.
    ///
    /// The attribution worker derives them here, once per conversion, so the
    /// request path neither builds nor stores them: the same `user_match`
    /// decoder and identifier rules as at ingestion give the same keys. A
    /// payload that no longer reads as an event has no keys.
    public static func storageKeys(ofStoredEvent payload: UnsafeBufferPointer<UInt8>) -> [String] {
        CompactEventJSON.withJSON(payload) { storageKeys(ofEventJSON: $0) }
    }

    private static func storageKeys(ofEventJSON payload: UnsafeBufferPointer<UInt8>) -> [String] {
        guard let (match, text) = try? LogEventDecoder.storedUserMatch(payload),
              let spans = try? EventValidator.identifierRules.checkUserMatch(match, in: text)
        else { return [] }
        return storageKeys(for: spans, in: text)
    }

    /// The storage keys an identity carries, strongest first (`IdentityKey`'s
    /// order).
    public static func storageKeys(for ids: Identifiers) -> [String] {
        var text = EventText()
        let spans = IdentifierSpans(ids, in: &text)
        return storageKeys(for: spans, in: text)
    }

    /// The storage keys of identifiers that passed the rules, built from
    /// their bytes: no String per identifier and no general sort, because
    /// the worker does this for every conversion. Uids of one strength are
    /// ordered by type name, then value (bytes).
    static func storageKeys(for ids: IdentifierSpans, in text: EventText) -> [String] {
        text.bytes.withUnsafeBufferPointer { all in
            func bytes(_ span: TextSpan) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: all[span.range]) }
            var out: [String] = []
            out.reserveCapacity((ids.uids?.count ?? 0) + 4)
            var key: [UInt8] = []
            key.reserveCapacity(256)
            func emit(_ kind: StaticString, _ parts: UnsafeBufferPointer<UInt8>...) {
                key.removeAll(keepingCapacity: true)
                key.append(contentsOf: UnsafeBufferPointer(start: kind.utf8Start, count: kind.utf8CodeUnitCount))
                for part in parts { key.append(contentsOf: part) }
                out.append(String(decoding: key, as: UTF8.self))
            }
            let separator: StaticString = "\u{1F}"
            let unit = UnsafeBufferPointer(start: separator.utf8Start, count: 1)
            if let click = ids.clickID, text.equals(ids.clickIDType, "sc3clid") { emit("sc3clid", unit, bytes(click)) }
            var uids: [(type: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>)] = (ids.uids ?? []).compactMap { uid in
                guard let type = uid.type, let value = uid.value else { return nil }
                return (bytes(type), bytes(value))
            }
            if uids.count > 1 {
                uids.sort { a, b in
                    a.type.elementsEqual(b.type) ? a.value.lexicographicallyPrecedes(b.value) : a.type.lexicographicallyPrecedes(b.type)
                }
            }
            for uid in uids { emit(UIDType.keyKindPrefix, uid.type, unit, uid.value) }
            if let e = ids.hashedEmail { emit("hashed_email", unit, bytes(e)) }
            if let p = ids.hashedPhone { emit("hashed_phone", unit, bytes(p)) }
            if let ip = ids.clientIP, let ua = ids.clientUserAgent {
                let bar: StaticString = "|"
                emit("ip_ua", unit, bytes(ip), UnsafeBufferPointer(start: bar.utf8Start, count: 1), bytes(ua))
            }
            return out
        }
    }
}
