/// What validating a run of a batch's events produced: the events to store
/// and the `ValidationReport` the response and health need.
///
/// Runs of one batch are validated apart (on several cores); the writer
/// takes them in order (`ValidatedRuns`).
public struct ValidatedEvents: Sendable {
    public var accepted: [ConversionEvent] = []
    /// The accepted events' payloads as stored (`CompactEventJSON`), back
    /// to back: made here, on the cores that validate, not by the writer.
    private(set) var payloads: [UInt8] = []
    /// Where each accepted event's payload ends in `payloads`.
    private(set) var payloadEnds: [Int] = []
    public var report = ValidationReport()
    /// Broken JSON inside one of the events: the whole batch is refused as
    /// invalid JSON (the envelope pass only skimmed the events), so the run
    /// stops there and must not be stored.
    public var syntaxError: JSONSyntaxError?

    public init() {}

    /// Decodes and checks the events at `ranges` of `body`, which
    /// `LogEventDecoder.decodeEnvelope` found; `firstIndex` is the position
    /// of the first of them in the batch. Stops at the first event that is
    /// not valid JSON, setting `syntaxError`.
    public init(
        _ body: UnsafeBufferPointer<UInt8>, ranges: ArraySlice<Range<Int>>, firstIndex: Int, validator: EventValidator
    ) {
        accepted.reserveCapacity(ranges.count)
        payloadEnds.reserveCapacity(ranges.count)
        if let first = ranges.first, let last = ranges.last { payloads.reserveCapacity(last.upperBound - first.lowerBound) }
        for (offset, range) in ranges.enumerated() {
            let index = firstIndex + offset
            do {
                let event = try LogEventDecoder.decodeEvent(body, at: range)
                if add(event, index: index, validator: validator) {
                    CompactEventJSON.append(UnsafeBufferPointer(rebasing: body[event.raw]), to: &payloads)
                    payloadEnds.append(payloads.count)
                }
            } catch {
                syntaxError = error
                return
            }
        }
    }

    /// Validates one event at position `index` of its batch and tallies it;
    /// true if it was accepted.
    mutating func add(_ event: IncomingEvent, index: Int, validator: EventValidator) -> Bool {
        switch validator.validate(event, index: index) {
        case .success(let e):
            report.add(e)
            accepted.append(e)
            return true
        case .failure(let f):
            report.add(f, raw: event.raw, eventType: event.eventType)
            return false
        }
    }
}
