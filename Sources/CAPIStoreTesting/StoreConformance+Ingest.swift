import CAPICore
import CAPIStore

extension StoreConformance {
    static var ingestChecks: [ConformanceCheck] {
        [
            ConformanceCheck("ingest: dedup within and across batches, by source and type") { harness in
                let store = harness.store
                try await Fixtures.account(store)
                let user = Fixtures.click("c1")
                let first = try Fixtures.written(try await Fixtures.ingest(store, [
                    Fixtures.purchase("e1", user: user), Fixtures.purchase("e2", user: user), Fixtures.purchase("e1", user: user),
                    Fixtures.purchase("e1", type: "lead", user: user),
                ]))
                try requireEqual(first, IngestCounts(inserted: 3, duplicates: 1), "first batch")
                let second = try Fixtures.written(try await Fixtures.ingest(store, [
                    Fixtures.purchase("e2", user: user), Fixtures.purchase("e3", user: user),
                ]))
                try requireEqual(second, IngestCounts(inserted: 1, duplicates: 1), "second batch")
                let other = try Fixtures.written(try await Fixtures.ingest(store, source: "app", [Fixtures.purchase("e1", user: user)]))
                try requireEqual(other, IngestCounts(inserted: 1, duplicates: 0), "the same id from another source is stored")
                let events = try await store.storedEvents(accountID: "acme", afterSeq: 0, limit: 100)
                try requireEqual(
                    events.map { "\($0.eventSourceID):\($0.eventType):\($0.eventID)" },
                    ["web:purchase:e1", "web:purchase:e2", "web:lead:e1", "web:purchase:e3", "app:purchase:e1"], "stored, in order")
                try requireEqual(events[0].json, Fixtures.purchase("e1", user: user), "an event comes back as it was sent")
                try require(zip(events, events.dropFirst()).allSatisfy { $0.seq < $1.seq }, "seq grows with arrival")
                let later = try await store.storedEvents(accountID: "acme", afterSeq: events[2].seq, limit: 1)
                try requireEqual(later.map(\.eventID), ["e3"], "paging by seq")
                let counters = try await store.counters(accountID: "acme", since: Fixtures.now - Fixtures.day)
                try requireEqual(counters["web"]?.accepted, 6, "accepted counter (duplicates are valid events)")
                try requireEqual(counters["web"]?.duplicates, 2, "duplicate counter")
                try requireEqual(counters["app"]?.accepted, 1, "another source's counter")
            },
            ConformanceCheck("ingest: a large batch in several runs, with refused events") { harness in
                let store = harness.store
                try await Fixtures.account(store)
                var events = (0..<2_345).map { Fixtures.purchase("big\($0)", user: Fixtures.click("c\($0)")) }
                events[1_500] = Fixtures.purchase("bad", type: "not_a_type", user: Fixtures.click("c"))
                let counts = try Fixtures.written(try await Fixtures.ingest(store, events))
                try requireEqual(counts, IngestCounts(inserted: 2_344, duplicates: 0), "counts")
                try requireEqual(try await store.census(accountID: "acme").events, 2_344, "stored")
                let counters = try await store.counters(accountID: "acme", since: 0)
                try requireEqual(counters["web"]?.failed, 1, "failed counter")
                try requireEqual(counters["web"]?.received, 2_345, "received counter")
            },
            ConformanceCheck("ingest: broken JSON in a later run rolls the whole batch back") { harness in
                let store = harness.store
                try await Fixtures.account(store)
                _ = try await Fixtures.ingest(store, [Fixtures.purchase("before", user: Fixtures.click("c"))])
                var events = (0..<2_000).map { Fixtures.purchase("b\($0)", user: Fixtures.click("c\($0)")) }
                events[1_900] = #"{"event_id":"x" "event_type":"purchase"}"#
                do {
                    _ = try await Fixtures.ingest(store, events, claim: IdempotencyClaim(
                        operation: "log_event", key: "broken-batch-0001", requestHash: "h", at: Fixtures.now))
                    throw ConformanceFailure(message: "a batch with broken JSON must be refused", file: #filePath, line: #line)
                } catch StoreError.invalidJSON {
                }
                let census = try await store.census(accountID: "acme")
                try requireEqual(census.events, 1, "nothing of the broken batch is stored")
                try requireEqual(census.idempotencyRecords, 0, "no idempotency record for a refused batch")
                try requireEqual(try await store.counters(accountID: "acme", since: 0)["web"]?.received, 1, "counters rolled back")
            },
            ConformanceCheck("ingest: an idempotency key replays the first answer") { harness in
                let store = harness.store
                try await Fixtures.account(store)
                let claim = IdempotencyClaim(operation: "log_event", key: "log-event-key-0001", requestHash: "first", at: Fixtures.now)
                let batch = [Fixtures.purchase("i1", user: Fixtures.click("c1"))]
                let first = try await Fixtures.ingest(store, batch, claim: claim)
                guard case .written(_, let response) = first else {
                    throw ConformanceFailure(message: "a first use must write", file: #filePath, line: #line)
                }
                var other = claim
                other.requestHash = "second"
                let again = try await Fixtures.ingest(store, [Fixtures.purchase("i2", user: Fixtures.click("c1"))], claim: other)
                guard case .replay(let record) = again else {
                    throw ConformanceFailure(message: "a used key must replay", file: #filePath, line: #line)
                }
                try requireEqual(record.response, response, "the first answer")
                try requireEqual(record.requestHash, "first", "the first request's fingerprint, for the conflict check")
                try requireEqual(try await store.census(accountID: "acme").events, 1, "the replay stored nothing")
            },
            ConformanceCheck("ingest: test events go to the test log, never to production data") { harness in
                let store = harness.store
                try await Fixtures.account(store)
                let counts = try Fixtures.written(try await Fixtures.ingest(
                    store, [Fixtures.purchase("t1", user: Fixtures.click("c1")), Fixtures.purchase("t2", type: "bogus", user: Fixtures.click("c"))],
                    testEventCode: "TEST123"))
                try requireEqual(counts.inserted, 1, "accepted test events")
                try requireEqual(try await store.census(accountID: "acme").events, 0, "no production event")
                let log = try await store.testEvents(accountID: "acme", eventSourceID: "web", testEventCode: "TEST123", limit: 10)
                try requireEqual(Set(log.map { "\($0.eventID):\($0.outcome)" }), ["t1:accepted", "t2:failed"], "test log")
                try require(log.first { $0.eventID == "t2" }?.error != nil, "a refused test event says why")
                try requireEqual(try await store.counters(accountID: "acme", since: 0)["web"]?.testEvents, 2, "test counter")
                try requireEqual(
                    try await store.testEvents(accountID: "acme", eventSourceID: "web", testEventCode: "OTHER", limit: 10).count, 0,
                    "the log is per code")
            },
        ]
    }
}
