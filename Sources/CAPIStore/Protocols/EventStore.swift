import CAPICore

/// Conversion events (AdCP `log_event`), the test-event log and the hourly
/// counters per source.
public protocol EventStore: Sendable {
    /// Stores a validated batch in one durable transaction, deduplicated by
    /// (account, source, type, event_id), taking its runs as they become
    /// ready (`ValidatedRuns.take`). A batch with no valid event only adds
    /// to the counters, and leaves no idempotency record. A run with broken
    /// JSON (`take` throws) rolls the whole batch back, counters included.
    func ingest(
        _ batch: IngestBatch, idempotency: IdempotencyClaim?,
        respond: @Sendable (IngestCounts) -> [UInt8]
    ) async throws -> StoreOutcome<IngestCounts>
    func testEvents(accountID: String, eventSourceID: String, testEventCode: String?, limit: Int) async throws -> [TestEventRecord]
    /// Each source's counters summed over the hours since `since`.
    func counters(accountID: String, since: Int64) async throws -> [String: SourceCounters]
    /// An account's stored events in arrival order, after `afterSeq`: for
    /// exports, operators and tests.
    func storedEvents(accountID: String, afterSeq: Int64, limit: Int) async throws -> [StoredEventRecord]
}
