import CAPICore
import CAPIStore
import Foundation
import Logging

extension ConversionService {
    static let logEventOperation = "log_event"

    /// AdCP `log_event` (also `POST /agentic/v1/capi`). `body` is the request JSON.
    public func logEvent(body: [UInt8], principal: Principal, logger: Logger) async -> ServiceAnswer<LogEventResponse> {
        await logEvent(body: BatchBytes(body), principal: principal, logger: logger)
    }

    /// `log_event` on a body received whole (or one that could not be
    /// stored as it arrived: `logEventArriving`).
    /// Measured by `logEvent(body:principal:logger:)` (`ConversionService+Metrics`);
    /// `tally` is set for a batch written now.
    func storeLogEvent(
        body: BatchBytes, principal: Principal, logger: Logger, tally: inout EventTally?
    ) async -> ServiceAnswer<LogEventResponse> {
        if let e = principal.refusal(unless: .account) { return Self.failure(.forbidden, e) }
        let batch: LogEventBatch
        do {
            batch = try body.withArrived { buffer throws(LogEventDecoder.Failure) in
                try LogEventDecoder.decodeEnvelope(buffer, maxEvents: settings.maxEventsPerBatch)
            }
        } catch {
            switch error {
            case .syntax(let syntax):
                return Self.syntaxFailure(syntax)
            case .invalid(let e):
                return Self.failure(.invalid, e)
            }
        }
        if let refusal = checkAccount(batch.account, principal: principal) { return .failed(refusal) }
        guard let sourceID = batch.eventSourceID else {
            return Self.failure(.invalid, AdCPError(.invalidRequest, "event_source_id is required", field: "event_source_id"))
        }
        guard let incoming = batch.eventRanges else {
            return Self.failure(.invalid, AdCPError(.invalidRequest, "events is required: an array of 1 to \(settings.maxEventsPerBatch) events", field: "events"))
        }
        guard !incoming.isEmpty else {
            return Self.failure(.invalid, AdCPError(.invalidRequest, "events must hold at least one event", field: "events"))
        }
        if let e = Self.checkIdempotencyKey(batch.idempotencyKey) { return Self.failure(.invalid, e) }
        if let refusal = Self.checkIDs([(sourceID, "event_source_id", .name), (batch.testEventCode, "test_event_code", .name)]) {
            return .failed(refusal)
        }
        if let refusal = keyLimits.chargeEvents(incoming.count, key: principal.keyPrefix) { return .failed(refusal) }
        do {
            let source: EventSource
            switch try await configuredSource(sourceID, principal: principal) {
            case .success(let s): source = s
            case .failure(let e): return Self.failure(.forbidden, e)
            }
            // Hashing a large body is costly: only when a key asks for it,
            // and on another core while the batch is read.
            async let hashed = batch.idempotencyKey == nil ? "" : body.withArrived(RequestFingerprint.compactText)
            if let key = batch.idempotencyKey,
               let record = try await store.idempotencyRecord(accountID: principal.accountID, operation: Self.logEventOperation, key: key) {
                return Self.replay(record, requestHash: await hashed)
            }
            let now = nowMilliseconds
            let validator = EventValidator(
                contract: source.contract, now: now,
                maxAgeSeconds: settings.maxEventAgeSeconds, maxFutureSeconds: settings.maxFutureSkewSeconds)
            let slices = store.traits.runs.slices(events: incoming.count)
            let runs = ValidatedRuns(count: slices.count)
            let ingest = IngestBatch(
                accountID: principal.accountID, eventSourceID: sourceID, receivedAt: now, body: body,
                runs: runs, testEventCode: batch.testEventCode)
            let respond = Self.responder(runs, testEventCode: batch.testEventCode, maxReported: settings.maxReportedFailures)
            // The writer stores each run as soon as it is validated; a batch
            // of one run takes the writer only once it is ready, so the write
            // lock never waits on a small batch while others queue behind it.
            async let validation: Void = Self.validate(body, ranges: incoming, slices: slices, validator: validator, into: runs)
            let requestHash = await hashed
            let claim = batch.idempotencyKey.map { key in
                IdempotencyClaim(operation: Self.logEventOperation, key: key, requestHash: requestHash, at: now)
            }
            if slices.count == 1 {
                await validation
                if let syntax = runs.syntaxError { return Self.syntaxFailure(syntax) }
            }
            let outcome = try await ingestActivity.during {
                try await store.ingest(ingest, idempotency: claim, respond: respond)
            }
            await validation
            switch outcome {
            case .replay(let record):
                return Self.replay(record, requestHash: requestHash)
            case .written(let counts, let response):
                return writtenAnswer(counts, response: response, runs: runs, tally: &tally)
            }
        } catch StoreError.invalidJSON(let syntax) {
            // Found in a later run, after the writer had begun: it rolled back.
            return Self.syntaxFailure(syntax)
        } catch {
            return .failed(Self.unavailable(error, operation: Self.logEventOperation, logger: logger))
        }
    }

    /// The reply of a batch the store wrote. A batch with nothing valid is
    /// refused whole (a test batch still logs why).
    func writtenAnswer(
        _ counts: IngestCounts, response: [UInt8], runs: ValidatedRuns, tally: inout EventTally?
    ) -> ServiceAnswer<LogEventResponse> {
        let failures = runs.report.failures
        tally = EventTally(counts, refused: failures.count)
        return counts.inserted + counts.duplicates == 0 ? allFailed(failures) : .encoded(response)
    }

    /// Encodes the 200 body inside the write, from the runs it took.
    static func responder(
        _ runs: ValidatedRuns, testEventCode: String?, maxReported: Int
    ) -> @Sendable (IngestCounts) -> [UInt8] {
        { counts in WireJSON.encode(successBody(runs.report, counts: counts, testEventCode: testEventCode, maxReported: maxReported)) }
    }

    /// The 400 for a body that is not valid JSON, wherever in it the fault is.
    static func syntaxFailure<W>(_ syntax: JSONSyntaxError) -> ServiceAnswer<W> {
        var failure = ServiceFailure.invalid(syntaxError(syntax))
        failure.isInvalidJSON = true
        return .failed(failure)
    }

    /// Runs are read on all cores but one, each lane taking every `lanes`-th
    /// run in order, so the writer finds them ready in its order.
    static func validationLanes(runs: Int, cores: Int) -> Int { max(1, min(runs, cores - 1)) }

    /// Validates each run and hands it to `runs`; every run is delivered.
    static func validate(
        _ body: BatchBytes, ranges: [Range<Int>], slices: [Range<Int>], validator: EventValidator, into runs: ValidatedRuns
    ) async {
        func run(_ index: Int) {
            let slice = slices[index]
            runs.deliver(validatedRun(body, ranges: ranges[slice], firstIndex: slice.lowerBound, validator: validator), at: index)
        }
        guard slices.count > 1 else { return run(0) }
        // One core is left to the writer: reading a run is faster than
        // storing it, so fewer lanes still keep ahead of the writer,
        // and the writer no longer shares its core with them.
        let lanes = Self.validationLanes(runs: slices.count, cores: ProcessInfo.processInfo.activeProcessorCount)
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask { for index in stride(from: lane, to: slices.count, by: lanes) { run(index) } }
            }
        }
    }

    /// One run read and checked, from bytes that have arrived.
    static func validatedRun(
        _ body: BatchBytes, ranges: ArraySlice<Range<Int>>, firstIndex: Int, validator: EventValidator
    ) -> ValidatedEvents {
        body.withArrived { ValidatedEvents($0, ranges: ranges, firstIndex: firstIndex, validator: validator) }
    }

    func allFailed<W>(_ failures: [EventFailure]) -> ServiceAnswer<W> {
        let shown = failures.prefix(settings.maxReportedFailures).map(\.error)
        return Self.failure(.invalid, Array(shown), total: failures.count)
    }

    static func successBody(
        _ validated: ValidationReport, counts: IngestCounts, testEventCode: String?, maxReported: Int
    ) -> LogEventResponse {
        let accepted = validated.accepted
        var warnings: [String] = []
        let unmatchable = accepted - validated.matchable
        if unmatchable > 0 {
            warnings.append("\(unmatchable) of \(accepted) accepted events carry no user_match identifiers and cannot be attributed")
        }
        if validated.foreignClickIDs > 0 {
            warnings.append("\(validated.foreignClickIDs) events carry click ids of type \(validated.foreignClickTypes.sorted().joined(separator: ", ")) that this server cannot match; send the sc3clid from the landing URL with click_id_type 'sc3clid'")
        }
        let quality = accepted == 0 ? 0 : (validated.matchStrength / Double(accepted) * 10_000).rounded() / 10_000
        let failures = validated.failures
        return LogEventResponse(
            events_received: validated.counters.received,
            events_processed: accepted,
            partial_failures: failures.isEmpty ? nil : failures.prefix(maxReported).map(LogEventResponse.PartialFailure.init),
            warnings: warnings.isEmpty ? nil : warnings,
            match_quality: quality,
            ext: LogEventResponse.Ext(
                duplicates: counts.duplicates, test_event_code: testEventCode,
                partial_failures_total: failures.count > maxReported ? failures.count : nil))
    }
}
