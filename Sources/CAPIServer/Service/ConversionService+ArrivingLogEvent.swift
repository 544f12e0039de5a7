import CAPICore
import CAPIStore
import Foundation
import Logging

extension ConversionService {
    /// How long the writer waits for the next run of a batch still arriving
    /// before it gives the batch up and leaves it to be read whole.
    static let arrivalPatience = Duration.seconds(2)
    /// The writer starts on a batch still arriving only if its bytes come at
    /// least this fast (bytes a second): faster than it stores them, so it
    /// never holds the write lock waiting on a slow client.
    static let earlyWriteRate = 100.0 * 1024 * 1024

    /// `log_event` on a large REST body, stored while it arrives.
    ///
    /// As the bytes come in (`arrivals` yields every so often, and finishes
    /// with the body), the envelope and the events found so far are read
    /// (`ArrivingEnvelope`); each run of events is validated as soon as it is
    /// whole, and the writer starts on the first run once the bytes come fast
    /// enough. When the body is complete it is read strictly
    /// (`LogEventDecoder.decodeEnvelope`): only if that finds the same source
    /// and the same events are the runs finished and the batch committed.
    ///
    /// Returns nil, having written nothing, when the batch is not one to
    /// stream (a test batch, an idempotency key, broken JSON, an unknown
    /// source…) or anything goes wrong on the way: the caller then reads the
    /// complete body whole, which gives the same reply a whole read always
    /// gives, errors included.
    /// Measured by `logEventArriving` (`ConversionService+Metrics`).
    func storeArrivingLogEvent(
        _ body: BatchBytes, arrivals: AsyncStream<Void>, principal: Principal, tally: inout EventTally?
    ) async -> ServiceAnswer<LogEventResponse>? {
        guard principal.refusal(unless: .account) == nil else { return nil }
        var arrival = Arrival(body: body, arrivals: arrivals, maxEvents: settings.maxEventsPerBatch)
        guard await arrival.envelopeRead(), let sourceID = arrival.envelope.eventSourceID,
              case .success(let source)? = try? await configuredSource(sourceID, principal: principal)
        else { return nil }
        let now = nowMilliseconds
        let validator = EventValidator(
            contract: source.contract, now: now,
            maxAgeSeconds: settings.maxEventAgeSeconds, maxFutureSeconds: settings.maxFutureSkewSeconds)
        let runs = ValidatedRuns(arrivingWithin: Self.arrivalPatience)
        let ingest = IngestBatch(accountID: principal.accountID, eventSourceID: sourceID, receivedAt: now, body: body, runs: runs)
        let respond = Self.responder(runs, testEventCode: nil, maxReported: settings.maxReportedFailures)
        var lanes = RunLanes(
            count: Self.validationLanes(runs: .max, cores: ProcessInfo.processInfo.activeProcessorCount),
            body: body, validator: validator, runs: runs)
        var writer: Task<StoreOutcome<IngestCounts>, any Error>?
        func startWriter() {
            guard writer == nil else { return }
            writer = Task { [store, ingestActivity] in
                try await ingestActivity.during { try await store.ingest(ingest, idempotency: nil, respond: respond) }
            }
        }

        var handed = 0  // events handed to the lanes, in whole runs
        var verdict: Bool?
        while verdict == nil {
            let ranges = arrival.envelope.eventRanges
            while case let size = store.traits.runs.size(ofRun: lanes.handed), ranges.count - handed >= size {
                lanes.hand(ranges[handed..<(handed + size)])
                handed += size
            }
            if lanes.handed > 0, arrival.isFast(Self.earlyWriteRate) { startWriter() }
            if arrival.envelope.progress != .events {
                verdict = body.isComplete && arrival.envelope.skimmed.map {
                    Self.confirms(body, source: sourceID, events: $0, maxEvents: settings.maxEventsPerBatch)
                } == true
                if verdict == true, handed < ranges.count { lanes.hand(ranges[handed...]) }
            } else if await !arrival.next() {
                verdict = false
            }
        }
        lanes.close()
        let overLimit = verdict == true ? keyLimits.chargeEvents(arrival.envelope.eventRanges.count, key: principal.keyPrefix) : nil
        guard verdict == true, overLimit == nil else {
            runs.abandon()
            _ = await writer?.result
            return overLimit.map { .failed($0) }
        }
        runs.finish(count: lanes.handed)
        startWriter()
        guard case .success(.written(let counts, let response))? = await writer?.result else { return nil }
        streamed.add(1, ordering: .relaxed)
        return writtenAnswer(counts, response: response, runs: runs, tally: &tally)
    }

    /// Whether the complete body, read strictly, is the batch that was
    /// streamed. The events array, skimmed as it arrived, is not skimmed
    /// again: the strict pass reads everything around it.
    static func confirms(_ body: BatchBytes, source: String, events: SkimmedArray, maxEvents: Int) -> Bool {
        guard !events.ranges.isEmpty,
              let batch = try? body.withArrived({ buffer throws(LogEventDecoder.Failure) in
                  try LogEventDecoder.decodeEnvelope(buffer, maxEvents: maxEvents, skimmed: events)
              })
        else { return false }
        return batch.eventSourceID == source && batch.testEventCode == nil && batch.idempotencyKey == nil && batch.account == nil
            && batch.eventRanges == events.ranges
    }
}

/// The body of a streamed batch as it arrives, and what was read of it.
private struct Arrival {
    let body: BatchBytes
    var arrivals: AsyncStream<Void>.Iterator
    var envelope: ArrivingEnvelope
    /// When the first and the latest bytes were seen, and how many then.
    private var first: (at: ContinuousClock.Instant, bytes: Int)?
    private var latest: (at: ContinuousClock.Instant, bytes: Int)?

    init(body: BatchBytes, arrivals: AsyncStream<Void>, maxEvents: Int) {
        self.body = body
        self.arrivals = arrivals.makeAsyncIterator()
        envelope = ArrivingEnvelope(maxEvents: maxEvents)
    }

    /// Waits for more bytes and reads them; false once the body has stopped
    /// arriving (complete or not), after reading the last of it.
    mutating func next() async -> Bool {
        let more = await arrivals.next() != nil
        let complete = body.isComplete
        let count = body.withArrived { arrived in
            envelope.advance(arrived, complete: complete)
            return arrived.count
        }
        let now = ContinuousClock.now
        if first == nil { first = (now, count) }
        latest = (now, count)
        return more
    }

    /// Waits until the events array begins; false if the body is not one to stream.
    mutating func envelopeRead() async -> Bool {
        while envelope.progress == .envelope {
            guard await next() else { break }
        }
        return envelope.progress == .events || envelope.progress == .ended
    }

    /// Whether the bytes come at least `rate` bytes a second (or are all in).
    func isFast(_ rate: Double) -> Bool {
        if body.isComplete { return true }
        guard let first, let latest, latest.bytes > first.bytes else { return false }
        let seconds = (latest.at - first.at) / .seconds(1)
        return seconds > 0 && Double(latest.bytes - first.bytes) / seconds >= rate
    }
}

/// The lanes that validate a streamed batch's runs as they are handed over,
/// each run to the next lane in turn, so the writer finds them in order.
private struct RunLanes {
    private let lanes: [AsyncStream<(index: Int, ranges: ArraySlice<Range<Int>>)>.Continuation]
    /// Runs handed over so far.
    private(set) var handed = 0

    init(count: Int, body: BatchBytes, validator: EventValidator, runs: ValidatedRuns) {
        var lanes: [AsyncStream<(index: Int, ranges: ArraySlice<Range<Int>>)>.Continuation] = []
        for _ in 0..<max(count, 1) {
            let (stream, continuation) = AsyncStream<(index: Int, ranges: ArraySlice<Range<Int>>)>.makeStream()
            lanes.append(continuation)
            Task {
                for await run in stream {
                    runs.deliver(ConversionService.validatedRun(
                        body, ranges: run.ranges, firstIndex: run.ranges.startIndex, validator: validator), at: run.index)
                }
            }
        }
        self.lanes = lanes
    }

    mutating func hand(_ ranges: ArraySlice<Range<Int>>) {
        lanes[handed % lanes.count].yield((handed, ranges))
        handed += 1
    }

    /// No more runs: each lane ends once it has delivered what it holds.
    func close() {
        for lane in lanes { lane.finish() }
    }
}
