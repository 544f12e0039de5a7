/// How many rows of each kind a store holds (for one account, or all).
public struct StoreCensus: Sendable, Equatable {
    public var events = 0
    public var testEvents = 0
    public var exposures = 0
    public var eventSources = 0
    public var attributions = 0
    public var idempotencyRecords = 0

    public init(
        events: Int = 0, testEvents: Int = 0, exposures: Int = 0, eventSources: Int = 0, attributions: Int = 0,
        idempotencyRecords: Int = 0
    ) {
        self.events = events
        self.testEvents = testEvents
        self.exposures = exposures
        self.eventSources = eventSources
        self.attributions = attributions
        self.idempotencyRecords = idempotencyRecords
    }
}
