/// The tallies and failures of a batch (or a run of it): everything the
/// response and the health counters need, without the events themselves.
public struct ValidationReport: Sendable {
    public var accepted = 0
    public var failures: [EventFailure] = []
    /// Where each failed event sits and the type it claimed, for the test-event log.
    public var failedEvents: [FailedEvent] = []
    /// received, failed, unmatchable, foreignClicks, valuedWithoutCurrency.
    public var counters = SourceCounters()
    /// Sum of `IdentifierPresence.matchStrength` over accepted events.
    public var matchStrength = 0.0
    /// Accepted events carrying a click id this server cannot match.
    public var foreignClickIDs = 0
    public var foreignClickTypes: Set<String> = []

    public struct FailedEvent: Sendable {
        public var raw: Range<Int>
        public var eventType: String?
    }

    public init() {}

    /// Accepted events with at least one identifier that can be matched.
    public var matchable: Int { accepted - counters.unmatchable }

    mutating func add(_ e: ConversionEvent) {
        accepted += 1
        counters.received += 1
        let ids = e.identifierPresence
        counters.tally(e, ids)
        matchStrength += ids.matchStrength
        if ids.foreignClick {
            foreignClickIDs += 1
            foreignClickTypes.insert(e.text.string(e.identifierSpans.clickIDType) ?? "unspecified")
        }
    }

    mutating func add(_ failure: EventFailure, raw: Range<Int>, eventType: String?) {
        counters.received += 1
        counters.failed += 1
        failures.append(failure)
        failedEvents.append(FailedEvent(raw: raw, eventType: eventType))
    }

    /// Joins the report of the next run of the same batch.
    public mutating func append(_ next: ValidationReport) {
        accepted += next.accepted
        failures += next.failures
        failedEvents += next.failedEvents
        counters = counters + next.counters
        matchStrength += next.matchStrength
        foreignClickIDs += next.foreignClickIDs
        foreignClickTypes.formUnion(next.foreignClickTypes)
    }
}
