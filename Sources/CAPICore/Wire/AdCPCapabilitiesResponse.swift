/// The AdCP get_adcp_capabilities success body (the parts capi declares).
public struct AdCPCapabilitiesResponse: Encodable, Sendable {
    public var adcp: ADCP
    public var supported_protocols: [String]
    public var media_buy: MediaBuyCapabilities

    public struct ADCP: Encodable, Sendable {
        public var major_versions: [Int]
        public var supported_versions: [String]
        public var idempotency: Idempotency
        public init(major_versions: [Int], supported_versions: [String], idempotency: Idempotency) {
            self.major_versions = major_versions
            self.supported_versions = supported_versions
            self.idempotency = idempotency
        }
    }

    public struct Idempotency: Encodable, Sendable {
        public var supported: Bool
        public var replay_ttl_seconds: Int
        public init(supported: Bool, replay_ttl_seconds: Int) {
            self.supported = supported
            self.replay_ttl_seconds = replay_ttl_seconds
        }
    }

    public struct MediaBuyCapabilities: Encodable, Sendable {
        public var conversion_tracking: ConversionTracking
        public init(conversion_tracking: ConversionTracking) { self.conversion_tracking = conversion_tracking }
    }

    public struct ConversionTracking: Encodable, Sendable {
        public var supported_event_types: [String]
        public var supported_uid_types: [String]
        public var supported_hashed_identifiers: [String]
        public var supported_action_sources: [String]
        public var attribution_windows: [Windows]
        public var multi_source_event_dedup: Bool
        public var per_creative_attribution: Bool

        public init(
            supported_event_types: [String], supported_uid_types: [String], supported_hashed_identifiers: [String],
            supported_action_sources: [String], attribution_windows: [Windows], multi_source_event_dedup: Bool,
            per_creative_attribution: Bool
        ) {
            self.supported_event_types = supported_event_types
            self.supported_uid_types = supported_uid_types
            self.supported_hashed_identifiers = supported_hashed_identifiers
            self.supported_action_sources = supported_action_sources
            self.attribution_windows = attribution_windows
            self.multi_source_event_dedup = multi_source_event_dedup
            self.per_creative_attribution = per_creative_attribution
        }
    }

    /// Post-click and post-view windows, each a list of AdCP durations.
    public struct Windows: Encodable, Sendable {
        public var post_click: [AdCPDuration]
        public var post_view: [AdCPDuration]
        public init(post_click: [AdCPDuration], post_view: [AdCPDuration]) {
            self.post_click = post_click
            self.post_view = post_view
        }
    }

    public init(adcp: ADCP, supported_protocols: [String], media_buy: MediaBuyCapabilities) {
        self.adcp = adcp
        self.supported_protocols = supported_protocols
        self.media_buy = media_buy
    }
}
