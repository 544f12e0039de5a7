/// Which kinds of identifier an event carries: all that the matchable rule,
/// match strength and the health counters ask. One definition serves
/// identifiers held as Strings (`Identifiers`) and as spans (`IdentifierSpans`).
struct IdentifierPresence {
    var clickID: Bool
    /// A click id whose `click_id_type` is this server's `sc3clid`.
    var sc3Click: Bool
    var hashedEmail: Bool
    var hashedPhone: Bool
    var uids: Bool
    var ipAndUserAgent: Bool

    /// True when at least one identifier could tie the event to an exposure.
    var isMatchable: Bool { clickID || hashedEmail || hashedPhone || uids || ipAndUserAgent }

    /// A click id this server cannot match (another platform's).
    var foreignClick: Bool { clickID && !sc3Click }

    /// A foreign click id is the only identifier.
    var onlyForeignClick: Bool { foreignClick && !uids && !hashedEmail && !hashedPhone && !ipAndUserAgent }

    /// How surely the identifiers can match an exposure, 0 to 1: sc3clid
    /// 1.0; a uid, hashed email or hashed phone 0.8; IP with user agent 0.5;
    /// only another platform's click id 0.1; nothing 0.
    var matchStrength: Double {
        if sc3Click { return 1.0 }
        if uids || hashedEmail || hashedPhone { return 0.8 }
        if ipAndUserAgent { return 0.5 }
        if clickID { return 0.1 }
        return 0
    }
}
