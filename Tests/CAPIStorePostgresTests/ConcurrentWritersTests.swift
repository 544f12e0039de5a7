import CAPICore
import CAPIStore
@testable import CAPIStorePostgres
import PostgresNIO
import Testing

/// What only a networked store has to get right: several nodes writing the
/// same keys at once, and transactions that commit out of seq order.
@Suite struct ConcurrentWritersTests {
    static let now: Int64 = 1_795_780_800_000

    @Test(.enabled(if: TestDatabase.enabled, TestDatabase.skipped))
    func twoNodesStoringOverlappingBatchesStoreEachEventOnce() async throws {
        try await TestDatabase.withStores { configuration, stores in
            let a = try await stores.open(configuration)
            let b = try await stores.open(configuration)
            try await Self.account(a)
            let ids = (0..<500).map { "ev-\($0)" }
            let batchA = try Self.batch(Array(ids[0..<400]), whole: true)
            let batchB = try Self.batch(Array(ids[100..<500].reversed()), whole: true)
            async let fromA = a.ingest(batchA, idempotency: nil) { _ in [] }
            async let fromB = b.ingest(batchB, idempotency: nil) { _ in [] }
            let counts = [try await fromA, try await fromB].map { outcome -> IngestCounts in
                guard case .written(let counts, _) = outcome else { return IngestCounts(inserted: -1, duplicates: -1) }
                return counts
            }
            #expect(counts.map(\.inserted).reduce(0, +) == 500, "each event stored once")
            #expect(counts.map(\.duplicates).reduce(0, +) == 300, "the overlap counted as duplicates")
            #expect(try await a.census(accountID: "acme").events == 500)
        }
    }

    /// A batch still open holds a smaller seq than one committed after it:
    /// a pass must not move its cursor past the open one and lose it.
    @Test(.enabled(if: TestDatabase.enabled, TestDatabase.skipped))
    func aPassNeverSkipsASeqStillBeingWritten() async throws {
        try await TestDatabase.withStores { configuration, stores in
            let store = try await stores.open(configuration)
            try await Self.account(store)
            let slow = try Self.batch(["slow"], whole: false)
            let first = Task { try await store.ingest(slow, idempotency: nil) { _ in [] } }
            try await Self.waitForFirstSeq(store)
            _ = try await store.ingest(try Self.batch(["fast"], whole: true), idempotency: nil) { _ in [] }
            let early = try await store.attributePending(maxConversions: 100, at: Self.now)
            #expect(early.conversions == 0, "nothing past a seq still open")
            slow.runs.finish(count: 1)
            _ = try await first.value
            let late = try await store.attributePending(maxConversions: 100, at: Self.now)
            #expect(late.conversions == 2, "both, once the open one committed")
            #expect(try await store.status().pendingConversions == 0)
        }
    }

    /// Two nodes attribute at once, each on an account the other does not
    /// hold: an account whose pass is in progress on one node is skipped by
    /// the other, never done twice, and done once it is free.
    @Test(.enabled(if: TestDatabase.enabled, TestDatabase.skipped))
    func nodesAttributeDifferentAccountsAtOnce() async throws {
        try await TestDatabase.withStores { configuration, stores in
            let a = try await stores.open(configuration)
            let b = try await stores.open(configuration)
            for account in ["acme", "globex"] {
                try await Self.account(a, account)
                _ = try await a.ingest(try Self.batch(["\(account)-1", "\(account)-2"], whole: true, account: account), idempotency: nil) { _ in [] }
            }
            #expect(try await a.accountsWithWork() == ["acme", "globex"])
            // Node A is in the middle of a pass over acme: it holds acme's lock.
            let holding = AsyncStream.makeStream(of: Void.self)
            let release = AsyncStream.makeStream(of: Void.self)
            let pass = Task {
                try await a.transaction { db in
                    _ = try await PostgresStore.takeAttributionLock(db, account: "acme", wait: true)
                    holding.continuation.yield()
                    for await _ in release.stream { break }
                }
            }
            for await _ in holding.stream { break }
            let meanwhile = try await b.attributePending(maxConversions: 100, at: Self.now)
            #expect(meanwhile.conversions == 2, "node B did globex, and skipped acme")
            #expect(try await b.accountsWithWork() == ["acme"])
            release.continuation.yield()
            try await pass.value
            let after = try await b.attributePending(maxConversions: 100, at: Self.now)
            #expect(after.conversions == 2, "acme, once free")
            #expect(try await a.accountsWithWork().isEmpty)
            #expect(try await a.census(accountID: nil).attributions == 4, "each conversion decided once")
        }
    }

    static func account(_ store: PostgresStore, _ id: String = "acme") async throws {
        try await store.createAccount(Account(accountID: id, name: nil, createdAt: now))
        try await store.upsertEventSource(EventSource(
            accountID: id, eventSourceID: "web", config: EventSourceConfig(name: "web"), createdAt: now, updatedAt: now))
    }

    /// Waits until the events' sequence has handed out a seq (an open
    /// transaction's insert is not visible, its seq is).
    static func waitForFirstSeq(_ store: PostgresStore) async throws {
        for _ in 0..<500 {
            let called = try await store.read("SELECT is_called FROM events_seq_seq").first.map { try $0.decode(Bool.self) }
            if called == true { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the open batch never took a seq")
    }

    /// A batch of purchases with these ids, validated; `whole`: one run
    /// delivered and the count known, else the one run delivered with the
    /// count left open, as a batch still arriving.
    static func batch(_ ids: [String], whole: Bool, account: String = "acme") throws -> IngestBatch {
        let events = ids.map { id in
            #"{"event_id":"\#(id)","event_type":"purchase","event_time":"\#(RFC3339.format(milliseconds: now - 60_000))","action_source":"website","event_source_url":"https://shop.example.com/","user_match":{"click_id":"c-\#(id)","click_id_type":"sc3clid"},"custom_data":{"value":5,"currency":"USD"}}"#
        }
        let body = BatchBytes(Array((#"{"event_source_id":"web","events":["# + events.joined(separator: ",") + "]}").utf8))
        let ranges = try body.withArrived { buffer throws(LogEventDecoder.Failure) in
            try LogEventDecoder.decodeEnvelope(buffer, maxEvents: 100_000).eventRanges ?? []
        }
        let validator = EventValidator(contract: EventSourceContract(), now: now)
        let runs = whole ? ValidatedRuns(count: 1) : ValidatedRuns(arrivingWithin: .seconds(60))
        runs.deliver(body.withArrived { ValidatedEvents($0, ranges: ranges[...], firstIndex: 0, validator: validator) }, at: 0)
        return IngestBatch(accountID: account, eventSourceID: "web", receivedAt: now, body: body, runs: runs)
    }
}
