/// `POST /agentic/v1/exposures` success: what was stored, and each row
/// that was not (capped), by its index in the feed.
public struct ExposureFeedResponse: Encodable, Sendable {
    public var exposures_received: Int
    public var exposures_processed: Int
    public var duplicates: Int
    public var failures: [Failure]?
    public var failures_total: Int?

    public struct Failure: Encodable, Sendable {
        public var index: Int
        public var code: String
        public var message: String
        public var field: String?
        public var exposure_id: String?

        public init(index: Int, exposureID: String?, error: AdCPError) {
            self.index = index
            code = error.code
            message = error.message
            field = error.field
            exposure_id = exposureID
        }
    }

    public init(exposures_received: Int, exposures_processed: Int, duplicates: Int, failures: [Failure]?, failures_total: Int?) {
        self.exposures_received = exposures_received
        self.exposures_processed = exposures_processed
        self.duplicates = duplicates
        self.failures = failures
        self.failures_total = failures_total
    }
}
