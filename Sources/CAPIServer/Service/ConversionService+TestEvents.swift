import CAPICore
import CAPIStore
import Foundation
import Logging

extension ConversionService {
    /// The test-event log of one source, newest first.
    public func testEvents(
        eventSourceID: String?, testEventCode: String?, limit: Int?, principal: Principal, logger: Logger
    ) async -> ServiceAnswer<TestEventsResponse> {
        if let e = principal.refusal(unless: .account) { return Self.failure(.forbidden, e) }
        guard let eventSourceID, !eventSourceID.isEmpty else {
            return Self.failure(.invalid, AdCPError(.invalidRequest, "event_source_id is required", field: "event_source_id"))
        }
        if let refusal = Self.checkIDs([(eventSourceID, "event_source_id", .name), (testEventCode, "test_event_code", .name)]) {
            return .failed(refusal)
        }
        let limit = min(max(limit ?? 100, 1), 1000)
        do {
            if case .failure(let e) = try await configuredSource(eventSourceID, principal: principal) {
                return Self.failure(.forbidden, e)
            }
            let records = try await store.testEvents(
                accountID: principal.accountID, eventSourceID: eventSourceID,
                testEventCode: testEventCode, limit: limit)
            return .done(TestEventsResponse(
                event_source_id: eventSourceID,
                test_events: records.map { r in
                    TestEventsResponse.TestEvent(
                        event_id: r.eventID, test_event_code: r.testEventCode,
                        received_at: RFC3339.format(milliseconds: r.receivedAt), outcome: r.outcome,
                        event_type: r.eventType, error: r.error,
                        event: (try? JSONDecoder().decode(JSONValue.self, from: Data(r.payload))) ?? .null)
                }))
        } catch {
            return .failed(Self.unavailable(error, operation: "test_events", logger: logger))
        }
    }
}
