import CAPICore
import CAPIStore
import Foundation

extension ConversionService {
    /// The test-event log of one source, newest first.
    public func testEvents(
        eventSourceID: String?, testEventCode: String?, limit: Int?, principal: Principal
    ) async -> ServiceReply {
        if let e = principal.refusal(unless: .account) { return Self.failure(403, e) }
        guard let eventSourceID, !eventSourceID.isEmpty else {
            return Self.failure(400, AdCPError(.invalidRequest, "event_source_id is required", field: "event_source_id"))
        }
        if let refusal = Self.checkIDs([(eventSourceID, "event_source_id", .name), (testEventCode, "test_event_code", .name)]) {
            return refusal
        }
        let limit = min(max(limit ?? 100, 1), 1000)
        do {
            if case .failure(let e) = try await configuredSource(eventSourceID, principal: principal) {
                return Self.failure(403, e)
            }
            let records = try await store.testEvents(
                accountID: principal.accountID, eventSourceID: eventSourceID,
                testEventCode: testEventCode, limit: limit)
            var out = Array(#"{"event_source_id":"#.utf8) + Array(JSONText.quoted(eventSourceID).utf8)
            out += Array(#","test_events":["#.utf8)
            for (i, r) in records.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                var fields = [
                    "\"event_id\":\(JSONText.quoted(r.eventID))",
                    "\"test_event_code\":\(JSONText.quoted(r.testEventCode))",
                    "\"received_at\":\"\(RFC3339.format(milliseconds: r.receivedAt))\"",
                    "\"outcome\":\"\(r.outcome)\"",
                ]
                if let type = r.eventType { fields.append("\"event_type\":\(JSONText.quoted(type))") }
                if let error = r.error { fields.append("\"error\":" + String(decoding: Self.encode(error), as: UTF8.self)) }
                out += Array(("{" + fields.joined(separator: ",") + ",\"event\":").utf8)
                out += r.payload
                out.append(UInt8(ascii: "}"))
            }
            out += Array("]}".utf8)
            return ServiceReply(status: 200, body: out)
        } catch {
            return Self.unavailable(error)
        }
    }
}
