/// What validating a run of a batch's events produced: the events to store,
/// the failures to report, and the tallies the response and health need.
///
/// Runs of one batch can be validated apart (on several cores) and joined
/// in order with `append`; the result is the same as one pass.
public struct ValidatedEvents: Sendable {
    public var accepted: [ConversionEvent] = []
    /// Each accepted event's identity keys as stored (`IdentityKey.storedList`).
    public var identityKeys: [String?] = []
    public var failures: [EventFailure] = []
    /// Where each failed event sits and the type it claimed, for the test-event log.
    public var failedEvents: [FailedEvent] = []
    /// received, failed, unmatchable, foreignClicks, valuedWithoutCurrency.
    public var counters = SourceCounters()
    /// Sum of `AttributionRules.matchStrength` over accepted events.
    public var matchStrength = 0.0
    /// Accepted events carrying a click id this server cannot match.
    public var foreignClickIDs = 0
    public var foreignClickTypes: Set<String> = []

    public struct FailedEvent: Sendable {
        public var raw: Range<Int>
        public var eventType: String?
    }

    public init() {}

    /// Decodes and checks the events at `ranges` of `body`, which
    /// `LogEventDecoder.decodeEnvelope` read; `firstIndex` is the position
    /// of the first of them in the batch.
    public init(
        _ body: UnsafeBufferPointer<UInt8>, ranges: ArraySlice<Range<Int>>, firstIndex: Int, validator: EventValidator
    ) {
        accepted.reserveCapacity(ranges.count)
        identityKeys.reserveCapacity(ranges.count)
        for (offset, range) in ranges.enumerated() {
            do {
                add(try LogEventDecoder.decodeEvent(body, at: range), index: firstIndex + offset, validator: validator)
            } catch {
                // Not reached after decodeEnvelope; refused alone all the same.
                add(failure: EventFailure(
                    index: firstIndex + offset, eventID: "",
                    error: AdCPError(.invalidRequest, "events[\(firstIndex + offset)] is not valid JSON: \(error.message)",
                                     field: "events[\(firstIndex + offset)]")),
                    raw: range, eventType: nil)
            }
        }
    }

    /// Validates one event at position `index` of its batch and tallies it.
    public mutating func add(_ event: IncomingEvent, index: Int, validator: EventValidator) {
        switch validator.validate(event, index: index) {
        case .success(let e):
            counters.received += 1
            counters.tally(e)
            let ids = e.identifiers
            matchStrength += AttributionRules.matchStrength(ids)
            if ids.clickID != nil, ids.clickIDType != "sc3clid" {
                foreignClickIDs += 1
                foreignClickTypes.insert(ids.clickIDType ?? "unspecified")
            }
            identityKeys.append(IdentityKey.storedList(for: ids))
            accepted.append(e)
        case .failure(let f):
            add(failure: f, raw: event.raw, eventType: event.eventType)
        }
    }

    mutating func add(failure: EventFailure, raw: Range<Int>, eventType: String?) {
        counters.received += 1
        counters.failed += 1
        failures.append(failure)
        failedEvents.append(FailedEvent(raw: raw, eventType: eventType))
    }

    /// Accepted events with at least one identifier that can be matched.
    public var matchable: Int { accepted.count - counters.unmatchable }

    /// Joins the next run of the same batch.
    public mutating func append(_ next: ValidatedEvents) {
        accepted += next.accepted
        identityKeys += next.identityKeys
        failures += next.failures
        failedEvents += next.failedEvents
        counters = counters + next.counters
        matchStrength += next.matchStrength
        foreignClickIDs += next.foreignClickIDs
        foreignClickTypes.formUnion(next.foreignClickTypes)
    }
}
