@testable import CAPIStoreSQLite
import CAPICore
import CAPIStore
import Foundation
import GRDB
import Testing

/// A SQLite store in a fresh temporary folder, with account `acme` and its
/// source `web` (purchases and leads), fed batches the way the service
/// feeds them: validated in runs cut as the store asks, then `ingest`.
struct SQLiteStoreFixture {
    static let now: Int64 = 1_795_780_800_000  // 2026-11-27T12:00:00Z
    let folder: URL
    let store: SQLiteStore

    /// Runs `body` on a migrated store, then removes the folder.
    static func run(_ body: (SQLiteStoreFixture) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-layout-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await run(at: folder.appendingPathComponent("capi.sqlite").path, body)
    }

    /// Runs `body` on a migrated store at `path` with account `acme` and
    /// source `web`, then closes it; the files stay.
    static func run(at path: String, _ body: (SQLiteStoreFixture) async throws -> Void) async throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        try await store.createAccount(Account(accountID: "acme", name: nil, createdAt: now))
        try await store.upsertEventSource(EventSource(
            accountID: "acme", eventSourceID: "web", config: EventSourceConfig(eventTypes: [.purchase, .lead]),
            createdAt: now, updatedAt: now))
        try await body(SQLiteStoreFixture(folder: folder, store: store))
        try await store.close()
    }

    /// Validates a raw log_event body against the source's contract and
    /// stores it in one batch; returns the counts.
    @discardableResult
    func ingest(_ text: [UInt8], account: String = "acme") async throws -> IngestCounts {
        let body = BatchBytes(text)
        let batch = try body.withArrived { buffer throws(LogEventDecoder.Failure) in
            try LogEventDecoder.decodeEnvelope(buffer, maxEvents: 100_000)
        }
        let ranges = try #require(batch.eventRanges)
        let source = try #require(batch.eventSourceID)
        let contract = try await store.eventSource(accountID: account, id: source)?.contract ?? EventSourceContract()
        let validator = EventValidator(contract: contract, now: Self.now)
        let slices = store.traits.runs.slices(events: ranges.count)
        let runs = ValidatedRuns(count: slices.count)
        for (index, slice) in slices.enumerated() {
            runs.deliver(
                body.withArrived { ValidatedEvents($0, ranges: ranges[slice], firstIndex: slice.lowerBound, validator: validator) },
                at: index)
        }
        let outcome = try await store.ingest(
            IngestBatch(accountID: account, eventSourceID: source, receivedAt: Self.now, body: body, runs: runs),
            idempotency: nil, respond: { _ in [] })
        for failure in runs.report.failures where failure.error.field?.hasSuffix(".event_type") != true {
            Issue.record("refused: \(failure.error)")  // the fixtures' events are valid but for their type
        }
        guard case .written(let counts, _) = outcome else {
            Issue.record("a batch without a key was replayed")
            return IngestCounts(inserted: 0, duplicates: 0)
        }
        return counts
    }

    /// A batch of `events` (JSON texts) for source `web`.
    func ingest(events: [String]) async throws -> IngestCounts {
        try await ingest(Array((#"{"event_source_id":"web","events":["# + events.joined(separator: ",") + "]}").utf8))
    }

    /// A purchase `ago` milliseconds before `now`; `extra` are more members, without braces.
    static func purchase(_ id: String, ago: Int64 = 60_000, type: String = "purchase", extra: String = "") -> String {
        #"{"event_id":"\#(id)","event_type":"\#(type)","event_time":"\#(RFC3339.format(milliseconds: now - ago))","action_source":"website","event_source_url":"https://shop.example.com/done""#
            + (extra.isEmpty ? "" : "," + extra) + "}"
    }

    func strings(_ sql: String) async throws -> [String] {
        try await store.pool.read { db in try String.fetchAll(db, sql: sql) }
    }

    func count(_ sql: String) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }
}

/// How the SQLite store lays events out: the columns bound from each
/// event's text, the compact payloads, the multi-row insert statements,
/// the key lists it no longer writes. (What any store must do, through
/// its protocol, is `CAPIServerTests`' and the conformance suite's.)
@Suite struct SQLiteStoreLayoutTests {
    /// The columns the writer binds from each event's text hold the values:
    /// escapes undone, an empty string kept apart from an absent one.
    @Test func storedColumnsHoldTheDecodedValues() async throws {
        try await SQLiteStoreFixture.run { f in
            let time = RFC3339.format(milliseconds: SQLiteStoreFixture.now - 60_000)
            let head = #"{"event_type":"purchase","event_time":"\#(time)","action_source":"website","event_source_url":"https:\/\/shop.example.com\/a","#
            var body = Array(#"{"event_source_id":"w\u0065b","events":["#.utf8)
            body += Array((head + #""event_id":"e\u0031","user_match":{"click_id":"c\"1","click_id_type":"gcl\u0069d"},"custom_data":{"value":1,"currency":"\u0055SD","order_id":"o\u00e9"}},"#).utf8)
            body += Array((head + #""event_id":"e2","user_match":{"click_id":"c2","click_id_type":""},"custom_data":{"value":1,"order_id":""}},"#).utf8)
            body += Array((head + #""event_id":"e3","user_match":{"click_id":"\u00e9("}}]}"#).utf8)
            #expect(try await f.ingest(body) == IngestCounts(inserted: 3, duplicates: 0))
            let rows = try await f.strings("""
                SELECT event_source_id || '|' || event_id || '|' || IFNULL(currency, 'NULL') || '|' || IFNULL(order_id, 'NULL') || '|'
                    || IFNULL(click_id, 'NULL') || '|' || IFNULL(click_id_type, 'NULL') FROM events ORDER BY seq
                """)
            #expect(rows == ["web|e1|USD|o\u{e9}|c\"1|gclid", "web|e2|NULL||c2|", "web|e3|NULL|NULL|\u{e9}(|NULL"])
        }
    }

    /// Payloads are stored compact (`CompactEventJSON`) and expand to the
    /// sender's bytes, which `event_json(payload)` and `storedEvents` give back.
    @Test func payloadsAreStoredCompactAndExpandByteForByte() async throws {
        try await SQLiteStoreFixture.run { f in
            let time = RFC3339.format(milliseconds: SQLiteStoreFixture.now - 60_000)
            let events: [[UInt8]] = [
                Array(#"{"event_id":"p1","event_type":"purchase","event_time":"\#(time)","action_source":"website","event_source_url":"https://shop.example.com/done","user_match":{"uids":[{"type":"rampid","value":"XY1"}],"click_id":"c1","click_id_type":"sc3clid"},"custom_data":{"value":12.5,"currency":"USD","contents":[{"id":"SKU-1","quantity":2,"price":6.25}]}}"#.utf8),
                Array("{\n  \"event_type\" : \"lead\",\n\t\"event_id\": \"p2\", \"event_time\":\"\(time)\",\r\n \"partner\": {\"note\": \"\\\"event_id\\\":\\\"x\\\" caf\u{e9} \\u00e9\"}, \"user_match\":{\"click_id\":\"c2\",\"click_id_type\":\"sc3clid\"}}".utf8),
                Array(#"{"event_id":"p3","event_type":"purchase","event_time":"\#(time)","user_match":{"hashed_email":"\#(String(repeating: "ab", count: 32))"},"custom_data":{"value":1,"currency":"EUR","order_id":"\"event_type\":\"lead\""}}"#.utf8),
            ]
            let body = Array(#"{"event_source_id":"web","events":["#.utf8) + events.joined(separator: Array(",".utf8)) + Array("]}".utf8)
            #expect(try await f.ingest(body).inserted == 3)
            let stored = try await f.store.pool.read { db in
                try Data.fetchAll(db, sql: "SELECT payload FROM events ORDER BY seq").map { [UInt8]($0) }
            }
            #expect(stored.count == 3)
            for (payload, event) in zip(stored, events) {
                #expect(payload.first == CompactEventJSON.marker)
                #expect(payload.count < event.count, "stored compact")
                #expect(payload.withUnsafeBufferPointer { CompactEventJSON.expand($0) } == event)
            }
            let json = try await f.strings("SELECT event_json(payload) FROM events ORDER BY seq")
            #expect(json == events.map { String(decoding: $0, as: UTF8.self) })
            let read = try await f.store.storedEvents(accountID: "acme", afterSeq: 0, limit: 10)
            #expect(read.map(\.json) == json)
        }
    }

    /// The writer inserts `rowsPerInsert` events per statement and a run's
    /// tail one by one: a repeat inside one statement, across statements,
    /// inside the tail and between the tail and a statement is stored once
    /// and counted; the same id with another type is another event; a failed
    /// event shifts the accepted ones across statement boundaries; every
    /// row's columns hold its own payload's values.
    @Test func repeatsAreCaughtWithinAndAcrossInsertStatements() async throws {
        let rows = SQLiteStore.rowsPerInsert
        let count = 2 * rows + 23
        let tail = 2 * rows + 1
        // index → index of the event it repeats
        let repeats = [7: 3, rows + 10: 3, tail + 9: tail + 4, tail + 19: 40]
        let invalid = 20
        let lead = 30  // the id of event 3, as a lead
        try await SQLiteStoreFixture.run { f in
            #expect(f.store.traits.runs.slices(events: count).count == 1, "one run: its statements and tail are the writer's")
            let events = (0..<count).map { i -> String in
                if i == invalid { return SQLiteStoreFixture.purchase("e\(i)", type: "refund") }
                if i == lead { return SQLiteStoreFixture.purchase("e3", type: "lead") }
                // Each row's own values differ, so a binding off by a row or a column shows.
                return SQLiteStoreFixture.purchase(
                    "e\(repeats[i] ?? i)", ago: Int64(60 + i) * 1000,
                    extra: #""user_match":{"click_id":"clk_\#(i)","click_id_type":"sc3clid"},"custom_data":{"value":\#(i + 1),"currency":"USD","order_id":"ord-\#(i)"}"#)
            }
            #expect(try await f.ingest(events: events) == IngestCounts(inserted: count - 1 - repeats.count, duplicates: repeats.count))
            let stored = try await f.strings("SELECT event_type || ':' || event_id FROM events ORDER BY seq")
            let expected = (0..<count).filter { $0 != invalid && repeats[$0] == nil }.map { i in i == lead ? "lead:e3" : "purchase:e\(i)" }
            #expect(stored == expected)
            let mismatched = try await f.count("""
                SELECT COUNT(*) FROM (SELECT *, event_json(payload) AS p FROM events) WHERE NOT (
                    account_id = 'acme' AND event_source_id = 'web'
                    AND event_id = json_extract(p, '$.event_id') AND event_type = json_extract(p, '$.event_type')
                    AND abs(event_time - CAST(round((julianday(json_extract(p, '$.event_time')) - 2440587.5) * 86400000) AS INTEGER)) <= 1
                    AND value IS json_extract(p, '$.custom_data.value') AND currency IS json_extract(p, '$.custom_data.currency')
                    AND order_id IS json_extract(p, '$.custom_data.order_id') AND action_source IS json_extract(p, '$.action_source')
                    AND click_id IS json_extract(p, '$.user_match.click_id')
                    AND click_id_type IS json_extract(p, '$.user_match.click_id_type') AND received_at > 0)
                """)
            #expect(mismatched == 0, "every row's columns hold its own payload's values")
            #expect(try await f.count("SELECT COUNT(DISTINCT order_id) FROM events") == expected.count - 1, "the lead has none")
            // The same batch again: every accepted event is a repeat.
            #expect(try await f.ingest(events: events) == IngestCounts(inserted: 0, duplicates: count - 1))
            #expect(try await f.count("SELECT COUNT(*) FROM events") == expected.count)
        }
    }

    /// The request path stores no key list (the worker reads the keys from
    /// the payload); a row an earlier version stored with a list keeps it,
    /// and the worker attributes by the list.
    @Test func keysComeFromThePayloadOrAStoredList() async throws {
        try await SQLiteStoreFixture.run { f in
            let sent = String(repeating: "a", count: 64)
            let listed = String(repeating: "b", count: 64)
            let buy = MediaBuy(
                media_buy_id: "mb_a", account_id: "acme", name: nil, currency: "USD", start_time: nil, end_time: nil,
                packages: [.init(package_id: "pkg_1", creatives: [.init(creative_id: "cr_1", landing_url: "https://shop.example.com/")])])
            #expect(try await f.store.upsertMediaBuy(buy, at: SQLiteStoreFixture.now))
            let exposures = [("imp-sent", sent), ("imp-listed", listed)].map { id, email in
                var identifiers = Identifiers()
                identifiers.hashedEmail = email
                return Exposure(
                    exposureID: id, kind: .impression, accountID: "acme", mediaBuyID: "mb_a", packageID: "pkg_1", creativeID: "cr_1",
                    time: SQLiteStoreFixture.now - 600_000, identifiers: identifiers)
            }
            #expect(try await f.store.insertExposures(exposures, receivedAt: SQLiteStoreFixture.now) == 2)
            let events = ["from-payload", "from-list"].map {
                SQLiteStoreFixture.purchase($0, extra: #""user_match":{"hashed_email":"\#(sent)"}"#)
            }
            #expect(try await f.ingest(events: events).inserted == 2)
            #expect(try await f.count("SELECT COUNT(*) FROM events WHERE identity_keys IS NULL") == 2)
            // As a version that stored lists would have written it.
            try await f.store.pool.write { db in
                try db.execute(sql: "UPDATE events SET identity_keys = ? WHERE event_id = 'from-list'",
                               arguments: ["hashed_email\u{1F}" + listed])
            }
            while !(try await f.store.attributePending(maxConversions: 100, at: 0).isIdle) {}
            for (id, exposure) in [("from-payload", "imp-sent"), ("from-list", "imp-listed")] {
                let explained = try await f.store.attributionExplanation(
                    accountID: "acme", eventSourceID: "web", eventType: "purchase", eventID: id)
                #expect(explained?.status == .attributed, "\(id)")
                #expect(explained?.decision?.exposureID == exposure, "\(id)")
                #expect(explained?.decision?.matchedBy == "hashed_email", "\(id)")
            }
        }
    }
}
