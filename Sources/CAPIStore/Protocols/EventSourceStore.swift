import CAPICore

/// An account's event sources (AdCP `sync_event_sources`).
public protocol EventSourceStore: Sendable {
    func eventSources(accountID: String) async throws -> [EventSource]
    func eventSource(accountID: String, id: String) async throws -> EventSource?
    func upsertEventSource(_ source: EventSource) async throws
    /// Reads the account's sources, plans, and writes the plan atomically,
    /// recording `respond`'s bytes under the idempotency claim.
    func syncEventSources(
        accountID: String, idempotency: IdempotencyClaim?,
        plan: @Sendable ([EventSource]) -> EventSourceSync.Plan,
        respond: @Sendable (EventSourceSync.Plan) -> [UInt8]
    ) async throws -> StoreOutcome<EventSourceSync.Plan>
    /// The record an idempotency key left, if it was used.
    func idempotencyRecord(accountID: String, operation: String, key: String) async throws -> IdempotencyRecord?
}
