import CAPICore
import CAPIStore
import Foundation

extension ConversionService {
    static let logEventOperation = "log_event"

    /// AdCP `log_event` (also `POST /agentic/v1/capi`). `body` is the request JSON.
    public func logEvent(body: [UInt8], principal: Principal) async -> ServiceReply {
        if let e = principal.refusal(unless: .account) { return Self.failure(403, e) }
        let batch: LogEventBatch
        do {
            batch = try body.withUnsafeBufferPointer { buffer throws(LogEventDecoder.Failure) in
                try LogEventDecoder.decodeEnvelope(buffer, maxEvents: settings.maxEventsPerBatch)
            }
        } catch {
            switch error {
            case .syntax(let syntax):
                var e = AdCPError(.invalidRequest, Self.invalidJSON)
                e.suggestion = "The body is not valid JSON: \(syntax.message) at byte \(syntax.offset)"
                return Self.failure(400, e)
            case .invalid(let e):
                return Self.failure(400, e)
            }
        }
        guard let sourceID = batch.eventSourceID else {
            return Self.failure(400, AdCPError(.invalidRequest, "event_source_id is required", field: "event_source_id"))
        }
        guard let incoming = batch.eventRanges else {
            return Self.failure(400, AdCPError(.invalidRequest, "events is required: an array of 1 to \(settings.maxEventsPerBatch) events", field: "events"))
        }
        guard !incoming.isEmpty else {
            return Self.failure(400, AdCPError(.invalidRequest, "events must hold at least one event", field: "events"))
        }
        if let e = Self.checkIdempotencyKey(batch.idempotencyKey) { return Self.failure(400, e) }
        if let code = batch.testEventCode, code.isEmpty || code.utf8.count > 256 {
            return Self.failure(400, AdCPError(.invalidRequest, "test_event_code must be 1 to 256 characters", field: "test_event_code"))
        }
        do {
            let source: EventSource
            switch try await configuredSource(sourceID, principal: principal) {
            case .success(let s): source = s
            case .failure(let e): return Self.failure(403, e)
            }
            // Hashing 7 MB costs ~20 ms: only when a key asks for it.
            let requestHash = batch.idempotencyKey == nil ? "" : sha256Hex(body)
            if let key = batch.idempotencyKey,
               let record = try await store.idempotencyRecord(accountID: principal.accountID, operation: Self.logEventOperation, key: key) {
                return Self.replay(record, requestHash: requestHash)
            }
            let now = nowMilliseconds
            let validator = EventValidator(
                contract: source.contract, now: now,
                maxAgeSeconds: settings.maxEventAgeSeconds, maxFutureSeconds: settings.maxFutureSkewSeconds)
            let validated = await Self.validate(body, ranges: incoming, validator: validator)
            let isTest = batch.testEventCode != nil
            // A batch with nothing valid is refused whole (a test batch still logs why).
            if validated.accepted.isEmpty && !isTest {
                var counters = validated.counters
                counters.lastEventAt = now
                try await store.recordCounters(accountID: principal.accountID, eventSourceID: sourceID, at: now, counters)
                return allFailed(validated.failures)
            }
            var ingest = IngestBatch(
                accountID: principal.accountID, eventSourceID: sourceID, receivedAt: now, body: body,
                events: validated.accepted, identityKeys: validated.identityKeys, testEventCode: batch.testEventCode,
                testFailures: isTest
                    ? zip(validated.failures, validated.failedEvents).map { ($0, $1.raw, $1.eventType) } : [])
            ingest.counters = validated.counters
            let claim = batch.idempotencyKey.flatMap { key in
                validated.accepted.isEmpty ? nil : IdempotencyClaim(operation: Self.logEventOperation, key: key, requestHash: requestHash, at: now)
            }
            let maxReported = settings.maxReportedFailures
            let testCode = batch.testEventCode
            let outcome = try await store.ingest(ingest, idempotency: claim) { counts in
                Self.encode(Self.successBody(
                    validated, counts: counts, testEventCode: testCode, maxReported: maxReported))
            }
            switch outcome {
            case .replay(let record):
                return Self.replay(record, requestHash: requestHash)
            case .written(_, let response):
                return validated.accepted.isEmpty ? allFailed(validated.failures) : ServiceReply(status: 200, body: response)
            }
        } catch {
            return Self.unavailable(error)
        }
    }

    /// Events validated below this many are read on the calling task; above,
    /// the batch is cut into one run per core, read at once and joined in order.
    static let parallelValidationThreshold = 2_000

    static func validate(_ body: [UInt8], ranges: [Range<Int>], validator: EventValidator) async -> ValidatedEvents {
        let runs = ranges.count < parallelValidationThreshold ? 1 : ProcessInfo.processInfo.activeProcessorCount
        guard runs > 1 else {
            return body.withUnsafeBufferPointer { ValidatedEvents($0, ranges: ranges[...], firstIndex: 0, validator: validator) }
        }
        let size = (ranges.count + runs - 1) / runs
        return await withTaskGroup(of: (Int, ValidatedEvents).self) { group in
            for start in stride(from: 0, to: ranges.count, by: size) {
                let slice = start..<min(start + size, ranges.count)
                group.addTask {
                    let run = body.withUnsafeBufferPointer {
                        ValidatedEvents($0, ranges: ranges[slice], firstIndex: slice.lowerBound, validator: validator)
                    }
                    return (start, run)
                }
            }
            var parts: [(Int, ValidatedEvents)] = []
            for await part in group { parts.append(part) }
            parts.sort { $0.0 < $1.0 }
            var joined = ValidatedEvents()
            for (_, part) in parts { joined.append(part) }
            return joined
        }
    }

    func allFailed(_ failures: [EventFailure]) -> ServiceReply {
        let shown = failures.prefix(settings.maxReportedFailures).map(\.error)
        return Self.failure(400, Array(shown), total: failures.count)
    }

    static func successBody(
        _ validated: ValidatedEvents, counts: IngestCounts, testEventCode: String?, maxReported: Int
    ) -> LogEventResponse {
        let accepted = validated.accepted.count
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
