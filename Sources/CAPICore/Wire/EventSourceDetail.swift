/// `GET /agentic/v1/event-sources/{id}`: one source with its health and counters.
public struct EventSourceDetail: Encodable, Sendable {
    public var event_source: EventSourceResult
    public var counters: Counters

    public struct Counters: Encodable, Sendable {
        public var last_24h: SourceCounters
        public var last_7d: SourceCounters

        public init(last_24h: SourceCounters, last_7d: SourceCounters) {
            self.last_24h = last_24h
            self.last_7d = last_7d
        }
    }

    public init(event_source: EventSourceResult, counters: Counters) {
        self.event_source = event_source
        self.counters = counters
    }
}
