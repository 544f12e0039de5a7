import CAPICore
import CAPIStore
import Foundation
import Logging

extension ConversionService {
    /// Why a conversion was, or was not, credited to an exposure.
    public func explainAttribution(
        eventSourceID: String?, eventType: String?, eventID: String?, principal: Principal, logger: Logger
    ) async -> ServiceAnswer<AttributionExplanationResponse> {
        if let e = principal.refusal(unless: .account) { return Self.failure(.forbidden, e) }
        for (name, value) in [("event_source_id", eventSourceID), ("event_type", eventType), ("event_id", eventID)] where value?.isEmpty ?? true {
            return Self.failure(.invalid, AdCPError(.invalidRequest, "\(name) is required", field: name))
        }
        if let refusal = Self.checkIDs([(eventSourceID, "event_source_id", .name), (eventID, "event_id", .eventID)]) { return .failed(refusal) }
        guard let eventSourceID, let eventType, let eventID else { return Self.failure(.invalid, AdCPError(.invalidRequest, "missing parameters")) }
        do {
            guard let e = try await store.attributionExplanation(
                accountID: principal.accountID, eventSourceID: eventSourceID, eventType: eventType, eventID: eventID)
            else {
                return Self.failure(.notFound, AdCPError(
                    .referenceNotFound, "No conversion \(eventType) '\(eventID)' from event source \(eventSourceID) on this account"))
            }
            var out = AttributionExplanationResponse(
                event_source_id: e.eventSourceID, event_type: e.eventType, event_id: e.eventID,
                event_time: RFC3339.format(milliseconds: e.eventTime), status: e.status.rawValue,
                window: e.window.map(AdCPAttributionWindow.init),
                duplicate_of: e.duplicateOfSource.map { AttributionExplanationResponse.DuplicateOf(event_source_id: $0) })
            if let d = e.decision {
                out.attribution = AttributionExplanationResponse.Attribution(
                    model: d.model.rawValue, matched_by: d.matchedBy,
                    lag_seconds: Double(d.lagMilliseconds) / 1000, window_seconds: Double(d.windowMilliseconds) / 1000,
                    exposure_id: d.exposureID,
                    exposure: e.exposure.map { x in
                        AttributionExplanationResponse.Exposure(
                            exposure_id: x.exposureID, type: x.kind.rawValue, time: RFC3339.format(milliseconds: x.time),
                            media_buy_id: x.mediaBuyID, package_id: x.packageID, creative_id: x.creativeID)
                    })
            }
            return .done(out)
        } catch {
            return .failed(Self.unavailable(error, operation: "explain_attribution", logger: logger))
        }
    }
}
