/// `GET /agentic/v1/attributions`: why a conversion was, or was not,
/// credited to an exposure.
public struct AttributionExplanationResponse: Encodable, Sendable {
    public var event_source_id: String
    public var event_type: String
    public var event_id: String
    public var event_time: String
    public var status: String
    /// The window the conversion was judged by.
    public var window: AdCPAttributionWindow?
    /// The source whose copy of this conversion was counted instead.
    public var duplicate_of: DuplicateOf?
    public var attribution: Attribution?

    public struct DuplicateOf: Encodable, Sendable {
        public var event_source_id: String
        public init(event_source_id: String) { self.event_source_id = event_source_id }
    }

    public struct Attribution: Encodable, Sendable {
        public var model: String
        public var matched_by: String
        public var lag_seconds: Double
        public var window_seconds: Double
        public var exposure_id: String
        public var exposure: Exposure?

        public init(
            model: String, matched_by: String, lag_seconds: Double, window_seconds: Double,
            exposure_id: String, exposure: Exposure?
        ) {
            self.model = model
            self.matched_by = matched_by
            self.lag_seconds = lag_seconds
            self.window_seconds = window_seconds
            self.exposure_id = exposure_id
            self.exposure = exposure
        }
    }

    public struct Exposure: Encodable, Sendable {
        public var exposure_id: String
        public var type: String
        public var time: String
        public var media_buy_id: String
        public var package_id: String
        public var creative_id: String

        public init(exposure_id: String, type: String, time: String, media_buy_id: String, package_id: String, creative_id: String) {
            self.exposure_id = exposure_id
            self.type = type
            self.time = time
            self.media_buy_id = media_buy_id
            self.package_id = package_id
            self.creative_id = creative_id
        }
    }

    public init(
        event_source_id: String, event_type: String, event_id: String, event_time: String, status: String,
        window: AdCPAttributionWindow? = nil, duplicate_of: DuplicateOf? = nil, attribution: Attribution? = nil
    ) {
        self.event_source_id = event_source_id
        self.event_type = event_type
        self.event_id = event_id
        self.event_time = event_time
        self.status = status
        self.window = window
        self.duplicate_of = duplicate_of
        self.attribution = attribution
    }
}
