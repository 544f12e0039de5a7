import CAPICore

/// The `get_adcp_capabilities` answer. AdCP clients (the official Python
/// client among them) call it before every task and refuse an agent whose
/// answer does not validate against the AdCP schema, so the required
/// `adcp.major_versions` and `adcp.idempotency` are always present.
enum AdCPCapabilities {
    /// The AdCP release this server speaks; clients pin `adcp_version` to it.
    static let supportedVersions = ["3.2"]
    /// Deprecated by AdCP in favour of `supportedVersions`, still required through 3.x.
    static let majorVersions = [3]
    /// How long an `idempotency_key` answer is replayed. Records are kept at
    /// least this long; AdCP requires 3600 to 604800 seconds.
    static let idempotencyReplayTTLSeconds = 86_400
    /// The universal IDs `user_match.uids` may carry for matching.
    static let matchableUIDTypes: [UIDType] = [.rampid, .id5, .uid2, .euid, .pairid, .maid]
    /// Hashed PII accepted in `user_match` (SHA-256, normalized first).
    static let hashedIdentifiers = ["hashed_email", "hashed_phone"]

    /// The response body; the MCP door adds the envelope's `status`.
    static func response() -> AdCPCapabilitiesResponse {
        AdCPCapabilitiesResponse(
            adcp: .init(
                major_versions: majorVersions, supported_versions: supportedVersions,
                idempotency: .init(supported: true, replay_ttl_seconds: idempotencyReplayTTLSeconds)),
            supported_protocols: ["media_buy"],
            media_buy: .init(conversion_tracking: conversionTracking()))
    }

    static func conversionTracking() -> AdCPCapabilitiesResponse.ConversionTracking {
        AdCPCapabilitiesResponse.ConversionTracking(
            supported_event_types: EventType.allCases.map(\.rawValue),
            supported_uid_types: matchableUIDTypes.map(\.rawValue),
            supported_hashed_identifiers: hashedIdentifiers,
            supported_action_sources: ActionSource.allCases.map(\.rawValue),
            // The attributor's default windows (an event source may set its own).
            attribution_windows: [
                .init(post_click: [.init(AttributionWindow.standard.postClick)], post_view: [.init(AttributionWindow.standard.postView)])
            ],
            // The attributor counts one conversion per (event_type, event_id) across sources
            // and credits a single creative.
            multi_source_event_dedup: true,
            per_creative_attribution: true)
    }
}
