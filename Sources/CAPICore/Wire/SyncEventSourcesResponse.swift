/// The AdCP sync_event_sources success body.
public struct SyncEventSourcesResponse: Encodable, Sendable {
    public var event_sources: [EventSourceResult]
    public var context: JSONValue?

    public init(event_sources: [EventSourceResult], context: JSONValue?) {
        self.event_sources = event_sources
        self.context = context
    }
}
