import CAPICore
import CAPIStore
import Foundation

extension ConversionService {
    /// Why a conversion was, or was not, credited to an exposure.
    public func explainAttribution(
        eventSourceID: String?, eventType: String?, eventID: String?, principal: Principal
    ) async -> ServiceReply {
        if let e = principal.refusal(unless: .account) { return Self.failure(403, e) }
        for (name, value) in [("event_source_id", eventSourceID), ("event_type", eventType), ("event_id", eventID)] where value?.isEmpty ?? true {
            return Self.failure(400, AdCPError(.invalidRequest, "\(name) is required", field: name))
        }
        if let refusal = Self.checkIDs([(eventSourceID, "event_source_id", .name), (eventID, "event_id", .eventID)]) { return refusal }
        guard let eventSourceID, let eventType, let eventID else { return Self.failure(400, AdCPError(.invalidRequest, "missing parameters")) }
        do {
            guard let e = try await store.attributionExplanation(
                accountID: principal.accountID, eventSourceID: eventSourceID, eventType: eventType, eventID: eventID)
            else {
                return Self.failure(404, AdCPError(
                    .referenceNotFound, "No conversion \(eventType) '\(eventID)' from event source \(eventSourceID) on this account"))
            }
            var out: [String: JSONValue] = [
                "event_source_id": .string(e.eventSourceID), "event_type": .string(e.eventType),
                "event_id": .string(e.eventID), "event_time": .string(RFC3339.format(milliseconds: e.eventTime)),
                "status": .string(e.status.rawValue),
            ]
            if let w = e.window { out["window"] = w.json }
            if let source = e.duplicateOfSource { out["duplicate_of"] = .object(["event_source_id": .string(source)]) }
            if let d = e.decision {
                var attribution: [String: JSONValue] = [
                    "model": .string(d.model.rawValue), "matched_by": .string(d.matchedBy),
                    "lag_seconds": .number(Double(d.lagMilliseconds) / 1000),
                    "window_seconds": .number(Double(d.windowMilliseconds) / 1000),
                    "exposure_id": .string(d.exposureID),
                ]
                if let x = e.exposure {
                    attribution["exposure"] = .object([
                        "exposure_id": .string(x.exposureID), "type": .string(x.kind.rawValue),
                        "time": .string(RFC3339.format(milliseconds: x.time)),
                        "media_buy_id": .string(x.mediaBuyID), "package_id": .string(x.packageID),
                        "creative_id": .string(x.creativeID),
                    ])
                }
                out["attribution"] = .object(attribution)
            }
            return ServiceReply(status: 200, body: Array(JSONValue.object(out).canonicalText.utf8))
        } catch {
            return Self.unavailable(error)
        }
    }
}
