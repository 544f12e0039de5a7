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
            batch = try LogEventDecoder.decode(body, maxEvents: settings.maxEventsPerBatch)
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
        guard let incoming = batch.events else {
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
            var accepted: [ConversionEvent] = []
            accepted.reserveCapacity(incoming.count)
            var failures: [EventFailure] = []
            for (index, event) in incoming.enumerated() {
                switch validator.validate(event, index: index) {
                case .success(let e): accepted.append(e)
                case .failure(let f): failures.append(f)
                }
            }
            let isTest = batch.testEventCode != nil
            // A batch with nothing valid is refused whole (a test batch still logs why).
            if accepted.isEmpty && !isTest {
                var counters = SourceCounters.batch(received: incoming.count, accepted: [], failed: failures.count)
                counters.lastEventAt = now
                try await store.recordCounters(accountID: principal.accountID, eventSourceID: sourceID, at: now, counters)
                return allFailed(failures)
            }
            var ingest = IngestBatch(
                accountID: principal.accountID, eventSourceID: sourceID, receivedAt: now, body: body,
                events: accepted, testEventCode: batch.testEventCode,
                testFailures: isTest ? failures.map { ($0, incoming[$0.index].raw, incoming[$0.index].eventType) } : [])
            ingest.counters = SourceCounters.batch(received: incoming.count, accepted: accepted, failed: failures.count)
            let claim = batch.idempotencyKey.flatMap { key in
                accepted.isEmpty ? nil : IdempotencyClaim(operation: Self.logEventOperation, key: key, requestHash: requestHash, at: now)
            }
            let received = incoming.count
            let maxReported = settings.maxReportedFailures
            let testCode = batch.testEventCode
            let (acceptedEvents, eventFailures) = (accepted, failures)
            let outcome = try await store.ingest(ingest, idempotency: claim) { counts in
                Self.encode(Self.successBody(
                    received: received, accepted: acceptedEvents, failures: eventFailures, counts: counts,
                    testEventCode: testCode, maxReported: maxReported))
            }
            switch outcome {
            case .replay(let record):
                return Self.replay(record, requestHash: requestHash)
            case .written(_, let response):
                return accepted.isEmpty ? allFailed(failures) : ServiceReply(status: 200, body: response)
            }
        } catch {
            return Self.unavailable(error)
        }
    }

    func allFailed(_ failures: [EventFailure]) -> ServiceReply {
        let shown = failures.prefix(settings.maxReportedFailures).map(\.error)
        return Self.failure(400, Array(shown), total: failures.count)
    }

    static func successBody(
        received: Int, accepted: [ConversionEvent], failures: [EventFailure], counts: IngestCounts,
        testEventCode: String?, maxReported: Int
    ) -> LogEventResponse {
        var warnings: [String] = []
        var matchable = 0
        var strength = 0.0
        var foreignClickTypes = Set<String>()
        var foreignClicks = 0
        for e in accepted {
            if e.identifiers.isMatchable { matchable += 1 }
            strength += AttributionRules.matchStrength(e.identifiers)
            if e.identifiers.clickID != nil, e.identifiers.clickIDType != "sc3clid" {
                foreignClicks += 1
                foreignClickTypes.insert(e.identifiers.clickIDType ?? "unspecified")
            }
        }
        let unmatchable = accepted.count - matchable
        if unmatchable > 0 {
            warnings.append("\(unmatchable) of \(accepted.count) accepted events carry no user_match identifiers and cannot be attributed")
        }
        if foreignClicks > 0 {
            warnings.append("\(foreignClicks) events carry click ids of type \(foreignClickTypes.sorted().joined(separator: ", ")) that this server cannot match; send the sc3clid from the landing URL with click_id_type 'sc3clid'")
        }
        let quality = accepted.isEmpty ? 0 : (strength / Double(accepted.count) * 10_000).rounded() / 10_000
        return LogEventResponse(
            events_received: received,
            events_processed: accepted.count,
            partial_failures: failures.isEmpty ? nil : failures.prefix(maxReported).map(LogEventResponse.PartialFailure.init),
            warnings: warnings.isEmpty ? nil : warnings,
            match_quality: quality,
            ext: LogEventResponse.Ext(
                duplicates: counts.duplicates, test_event_code: testEventCode,
                partial_failures_total: failures.count > maxReported ? failures.count : nil))
    }
}
