/// What validating a run of a batch's events produced: the events to store
/// and the `ValidationReport` the response and health need.
///
/// Runs of one batch are validated apart (on several cores); the writer
/// takes them in order (`ValidatedRuns`).
public struct ValidatedEvents: Sendable {
    public var accepted: [ConversionEvent] = []
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
        for (offset, range) in ranges.enumerated() {
            let index = firstIndex + offset
            do {
                add(try LogEventDecoder.decodeEvent(body, at: range), index: index, validator: validator)
            } catch {
                syntaxError = error
                return
            }
        }
    }

    /// Validates one event at position `index` of its batch and tallies it.
    public mutating func add(_ event: IncomingEvent, index: Int, validator: EventValidator) {
        switch validator.validate(event, index: index) {
        case .success(let e):
            report.add(e)
            accepted.append(e)
        case .failure(let f):
            report.add(f, raw: event.raw, eventType: event.eventType)
        }
    }
}
