/// The AdCP log_event success body (LogEventSuccess).
public struct LogEventResponse: Codable, Sendable, Equatable {
    public var events_received: Int
    public var events_processed: Int
    public var partial_failures: [PartialFailure]?
    public var warnings: [String]?
    public var match_quality: Double?
    public var ext: Ext?

    public struct PartialFailure: Codable, Sendable, Equatable {
        public var event_id: String
        public var code: String
        public var message: String
        public var field: String?

        public init(_ failure: EventFailure) {
            event_id = failure.eventID
            code = failure.error.code
            message = failure.error.message
            field = failure.error.field
        }
    }

    public struct Ext: Codable, Sendable, Equatable {
        /// Events of this batch that were already stored (acknowledged, kept once).
        public var duplicates: Int
        /// Set when the batch was a test batch: stored apart, never attributed.
        public var test_event_code: String?
        /// How many failures there were when `partial_failures` was capped.
        public var partial_failures_total: Int?

        public init(duplicates: Int, test_event_code: String? = nil, partial_failures_total: Int? = nil) {
            self.duplicates = duplicates
            self.test_event_code = test_event_code
            self.partial_failures_total = partial_failures_total
        }
    }

    public init(
        events_received: Int, events_processed: Int, partial_failures: [PartialFailure]? = nil,
        warnings: [String]? = nil, match_quality: Double? = nil, ext: Ext? = nil
    ) {
        self.events_received = events_received
        self.events_processed = events_processed
        self.partial_failures = partial_failures
        self.warnings = warnings
        self.match_quality = match_quality
        self.ext = ext
    }
}
