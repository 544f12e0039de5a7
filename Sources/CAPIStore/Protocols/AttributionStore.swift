import CAPICore

/// Attribution: the store reads a pass's inputs in bulk, `AttributionPlanner`
/// decides, and the store writes the plan in one transaction.
public protocol AttributionStore: Sendable {
    /// Attributes conversions that arrived since the last pass, and re-examines
    /// earlier ones that exposures arriving since could now claim.
    func attributePending(maxConversions: Int, at: Int64) async throws -> AttributionProgress
    /// Recomputes every conversion whose event_time is in the range (all when nil).
    func rebuildAttributions(from: Int64?, to: Int64?, at: Int64) async throws -> Int
    func attributionExplanation(
        accountID: String, eventSourceID: String, eventType: String, eventID: String
    ) async throws -> AttributionExplanation?
}
