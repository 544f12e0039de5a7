import CAPICore
import CAPIStore
import Synchronization

/// A store that forwards every call to a real one, until `breakMediaBuys()`:
/// from then on every media-buy read throws, as a store whose disk or
/// server failed under it would.
///
/// Why a wrapper: `RequestIDTests` needs a store failure mid-request,
/// after the key was checked. It used to drop the `media_buys` table behind
/// the server's back, but these tests may not reach the store's SQL, and
/// no real fault is both reachable without it and selective: closing the
/// store, or damaging its files, also fails the key lookup that runs
/// first (and the MCP door would then answer with an HTTP error instead of
/// the tool error under test). So one chosen kind of call fails here, and
/// everything else is the real store's.
final class FailingStore: ConversionStore {
    struct InjectedFault: Error {}

    let base: any ConversionStore
    private let mediaBuysBroken = Atomic(false)

    init(_ base: any ConversionStore) { self.base = base }

    /// Makes `mediaBuys`, `mediaBuy` and `deliveryFacts` throw from now on.
    func breakMediaBuys() { mediaBuysBroken.store(true, ordering: .sequentiallyConsistent) }

    private func failIfBroken() throws {
        if mediaBuysBroken.load(ordering: .sequentiallyConsistent) { throw InjectedFault() }
    }

    // MARK: ConversionStore

    var traits: StoreTraits { base.traits }
    func migrate() async throws { try await base.migrate() }
    func ping() async throws { try await base.ping() }
    func status() async throws -> StoreStatus { try await base.status() }
    func census(accountID: String?) async throws -> StoreCensus { try await base.census(accountID: accountID) }
    func close() async throws { try await base.close() }

    // MARK: AccountStore

    func createAccount(_ account: Account) async throws { try await base.createAccount(account) }
    func account(id: String) async throws -> Account? { try await base.account(id: id) }
    func accounts() async throws -> [Account] { try await base.accounts() }
    func insertAPIKey(_ key: APIKeyRecord) async throws { try await base.insertAPIKey(key) }
    func apiKey(hash: String) async throws -> APIKeyRecord? { try await base.apiKey(hash: hash) }
    func apiKeys(accountID: String?) async throws -> [APIKeyRecord] { try await base.apiKeys(accountID: accountID) }
    func revokeAPIKey(prefix: String, at: Int64) async throws -> Bool { try await base.revokeAPIKey(prefix: prefix, at: at) }
    func touchAPIKey(hash: String, at: Int64) async throws { try await base.touchAPIKey(hash: hash, at: at) }

    // MARK: EventSourceStore

    func eventSources(accountID: String) async throws -> [EventSource] { try await base.eventSources(accountID: accountID) }
    func eventSource(accountID: String, id: String) async throws -> EventSource? {
        try await base.eventSource(accountID: accountID, id: id)
    }
    func upsertEventSource(_ source: EventSource) async throws { try await base.upsertEventSource(source) }
    func syncEventSources(
        accountID: String, idempotency: IdempotencyClaim?,
        plan: @Sendable ([EventSource]) -> EventSourceSync.Plan,
        respond: @Sendable (EventSourceSync.Plan) -> [UInt8]
    ) async throws -> StoreOutcome<EventSourceSync.Plan> {
        try await base.syncEventSources(accountID: accountID, idempotency: idempotency, plan: plan, respond: respond)
    }
    func idempotencyRecord(accountID: String, operation: String, key: String) async throws -> IdempotencyRecord? {
        try await base.idempotencyRecord(accountID: accountID, operation: operation, key: key)
    }

    // MARK: EventStore

    func ingest(
        _ batch: IngestBatch, idempotency: IdempotencyClaim?, respond: @Sendable (IngestCounts) -> [UInt8]
    ) async throws -> StoreOutcome<IngestCounts> {
        try await base.ingest(batch, idempotency: idempotency, respond: respond)
    }
    func testEvents(accountID: String, eventSourceID: String, testEventCode: String?, limit: Int) async throws -> [TestEventRecord] {
        try await base.testEvents(accountID: accountID, eventSourceID: eventSourceID, testEventCode: testEventCode, limit: limit)
    }
    func counters(accountID: String, since: Int64) async throws -> [String: SourceCounters] {
        try await base.counters(accountID: accountID, since: since)
    }
    func storedEvents(accountID: String, afterSeq: Int64, limit: Int) async throws -> [StoredEventRecord] {
        try await base.storedEvents(accountID: accountID, afterSeq: afterSeq, limit: limit)
    }

    // MARK: MediaBuyStore

    func upsertMediaBuy(_ buy: MediaBuy, at: Int64) async throws -> Bool { try await base.upsertMediaBuy(buy, at: at) }
    func mediaBuyOwner(id: String) async throws -> String? { try await base.mediaBuyOwner(id: id) }
    func mediaBuy(accountID: String, id: String) async throws -> MediaBuy? {
        try failIfBroken()
        return try await base.mediaBuy(accountID: accountID, id: id)
    }
    func mediaBuys(accountID: String) async throws -> [MediaBuy] {
        try failIfBroken()
        return try await base.mediaBuys(accountID: accountID)
    }
    func deliveryFacts(accountID: String, mediaBuyIDs: [String], from: Int64?, to: Int64?) async throws -> DeliveryFacts {
        try failIfBroken()
        return try await base.deliveryFacts(accountID: accountID, mediaBuyIDs: mediaBuyIDs, from: from, to: to)
    }
    func verifyRollups(accountID: String?) async throws -> RollupCheck { try await base.verifyRollups(accountID: accountID) }
    func rebuildRollups() async throws { try await base.rebuildRollups() }
    func insertExposures(_ exposures: [Exposure], receivedAt: Int64) async throws -> Int {
        try await base.insertExposures(exposures, receivedAt: receivedAt)
    }
    func storedExposures(accountID: String, afterSeq: Int64, limit: Int) async throws -> [StoredExposureRecord] {
        try await base.storedExposures(accountID: accountID, afterSeq: afterSeq, limit: limit)
    }

    // MARK: AttributionStore

    func attributePending(maxConversions: Int, at: Int64) async throws -> AttributionProgress {
        try await base.attributePending(maxConversions: maxConversions, at: at)
    }
    func rebuildAttributions(from: Int64?, to: Int64?, at: Int64) async throws -> Int {
        try await base.rebuildAttributions(from: from, to: to, at: at)
    }
    func attributionExplanation(
        accountID: String, eventSourceID: String, eventType: String, eventID: String
    ) async throws -> AttributionExplanation? {
        try await base.attributionExplanation(accountID: accountID, eventSourceID: eventSourceID, eventType: eventType, eventID: eventID)
    }
}
