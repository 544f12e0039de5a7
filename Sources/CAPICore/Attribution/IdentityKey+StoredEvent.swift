extension IdentityKey {
    /// The storage keys of an accepted event, read back from its stored
    /// payload (the event's JSON as sent), strongest first.
    ///
    /// The attribution worker derives them here, once per conversion, so the
    /// request path neither builds nor stores them: the same decoder and the
    /// same identifier rules as at ingestion give the same keys. A payload
    /// that no longer reads as an event has no keys.
    public static func storageKeys(ofStoredEvent payload: UnsafeBufferPointer<UInt8>) -> [String] {
        guard let event = try? LogEventDecoder.decodeEvent(payload, at: 0..<payload.count),
              let match = event.userMatch,
              case .success(let ids) = EventValidator.identifiers(match, field: "user_match")
        else { return [] }
        return keys(for: ids).map(\.storageKey)
    }
}
