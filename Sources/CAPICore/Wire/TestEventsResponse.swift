/// `GET /agentic/v1/test-events`: a source's test-event log, newest first.
public struct TestEventsResponse: Encodable, Sendable {
    public var event_source_id: String
    public var test_events: [TestEvent]

    public struct TestEvent: Encodable, Sendable {
        public var event_id: String
        public var test_event_code: String
        public var received_at: String
        public var outcome: String
        public var event_type: String?
        public var error: AdCPError?
        /// The event as stored (redacted).
        public var event: JSONValue

        public init(
            event_id: String, test_event_code: String, received_at: String, outcome: String,
            event_type: String?, error: AdCPError?, event: JSONValue
        ) {
            self.event_id = event_id
            self.test_event_code = test_event_code
            self.received_at = received_at
            self.outcome = outcome
            self.event_type = event_type
            self.error = error
            self.event = event
        }
    }

    public init(event_source_id: String, test_events: [TestEvent]) {
        self.event_source_id = event_source_id
        self.test_events = test_events
    }
}
