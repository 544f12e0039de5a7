/// Running tallies of what one event source sent, kept per hour as batches
/// arrive, so health never needs a scan of the events.
public struct SourceCounters: Sendable, Equatable {
    /// Production events received (valid or not).
    public var received = 0
    /// Valid production events (new or duplicate).
    public var accepted = 0
    /// Events refused by a rule.
    public var failed = 0
    /// Valid events that were already stored.
    public var duplicates = 0
    /// Events sent with a test_event_code.
    public var testEvents = 0
    /// Valid events with no usable identifier.
    public var unmatchable = 0
    /// Valid events whose only click id is another platform's.
    public var foreignClicks = 0
    /// Valid events with a value but no currency.
    public var valuedWithoutCurrency = 0
    /// Conversions the attributor credited to an exposure.
    public var attributed = 0
    /// Milliseconds since the epoch of the latest production batch.
    public var lastEventAt: Int64?

    public init() {}

    public static func + (a: SourceCounters, b: SourceCounters) -> SourceCounters {
        var c = SourceCounters()
        c.received = a.received + b.received
        c.accepted = a.accepted + b.accepted
        c.failed = a.failed + b.failed
        c.duplicates = a.duplicates + b.duplicates
        c.testEvents = a.testEvents + b.testEvents
        c.unmatchable = a.unmatchable + b.unmatchable
        c.foreignClicks = a.foreignClicks + b.foreignClicks
        c.valuedWithoutCurrency = a.valuedWithoutCurrency + b.valuedWithoutCurrency
        c.attributed = a.attributed + b.attributed
        c.lastEventAt = [a.lastEventAt, b.lastEventAt].compactMap { $0 }.max()
        return c
    }

    /// Adds what one valid production event tells before storage.
    public mutating func tally(_ e: ConversionEvent) {
        tally(e, e.identifierPresence)
    }

    /// `tally(e)` with the event's identifiers already looked at.
    mutating func tally(_ e: ConversionEvent, _ ids: IdentifierPresence) {
        if !ids.isMatchable { unmatchable += 1 }
        if ids.onlyForeignClick { foreignClicks += 1 }
        if e.value != nil && e.currencySpan == nil { valuedWithoutCurrency += 1 }
    }
}

/// The wire form of an event source's counters.
extension SourceCounters: Encodable {
    enum CodingKeys: String, CodingKey {
        case received, accepted, failed, duplicates, test_events, attributed
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(received, forKey: .received)
        try c.encode(accepted, forKey: .accepted)
        try c.encode(failed, forKey: .failed)
        try c.encode(duplicates, forKey: .duplicates)
        try c.encode(testEvents, forKey: .test_events)
        try c.encode(attributed, forKey: .attributed)
    }
}
