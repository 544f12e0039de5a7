import CAPICore
import MCP

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

    /// The response body, including the protocol envelope's `status`.
    static func response() -> Value {
        [
            "status": "completed",
            "adcp": [
                "major_versions": .array(majorVersions.map { .int($0) }),
                "supported_versions": .array(supportedVersions.map { .string($0) }),
                "idempotency": [
                    "supported": true,
                    "replay_ttl_seconds": .int(idempotencyReplayTTLSeconds),
                ],
            ],
            "supported_protocols": ["media_buy"],
            "media_buy": [
                "conversion_tracking": conversionTracking()
            ],
        ]
    }

    static func conversionTracking() -> Value {
        [
            "supported_event_types": .array(EventType.allCases.map { .string($0.rawValue) }),
            "supported_uid_types": .array(matchableUIDTypes.map { .string($0.rawValue) }),
            "supported_hashed_identifiers": .array(hashedIdentifiers.map { .string($0) }),
            "supported_action_sources": .array(ActionSource.allCases.map { .string($0.rawValue) }),
            // The attributor's default windows (an event source may set its own).
            "attribution_windows": [
                [
                    "post_click": [duration(AttributionWindow.standard.postClick)],
                    "post_view": [duration(AttributionWindow.standard.postView)],
                ]
            ],
            // The attributor counts one conversion per (event_type, event_id) across sources
            // and credits a single creative.
            "multi_source_event_dedup": true,
            "per_creative_attribution": true,
        ]
    }

    /// An AdCP duration (core/duration.json).
    static func duration(_ d: WindowDuration) -> Value {
        ["interval": .int(d.interval), "unit": .string(d.unit.rawValue)]
    }
}
