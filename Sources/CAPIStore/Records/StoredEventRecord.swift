/// A stored conversion event as a store gives it back.
public struct StoredEventRecord: Sendable, Equatable {
    /// Arrival order within the store.
    public var seq: Int64
    public var eventSourceID: String
    public var eventType: String
    public var eventID: String
    /// Milliseconds since the epoch.
    public var eventTime: Int64
    public var receivedAt: Int64
    /// The event's JSON as it was sent.
    public var json: String

    public init(
        seq: Int64, eventSourceID: String, eventType: String, eventID: String, eventTime: Int64, receivedAt: Int64, json: String
    ) {
        self.seq = seq
        self.eventSourceID = eventSourceID
        self.eventType = eventType
        self.eventID = eventID
        self.eventTime = eventTime
        self.receivedAt = receivedAt
        self.json = json
    }
}
