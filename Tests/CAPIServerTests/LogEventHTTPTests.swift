import CAPICore
import CAPIServer
@testable import CAPIStore
import CAPIStores
import Foundation
import Testing

/// `POST /agentic/v1/capi` through a real server and a real SQLite file.
@Suite struct LogEventHTTPTests {
    static let source: JSONValue = .object([
        "event_source_id": .string("web"), "event_types": .array([.string("purchase"), .string("lead")]),
        "allowed_domains": .array([.string("example.com")]),
    ])

    /// A server with account `acme` (key returned) and its source `web`.
    func withAcme(
        configure: (inout CAPISettings) -> Void = { _ in },
        _ body: @escaping @Sendable (TestServer, String) async throws -> Void
    ) async throws {
        try await TestServer.run(configure: configure) { server in
            let key = try await server.account("acme")
            let sync = try await server.sync(key: key, [Self.source])
            #expect(sync.status == 200)
            try await body(server, key)
        }
    }

    /// Escaped ids and names are stored under their decoded values, and the
    /// event reads back with them: an empty string kept apart from an absent
    /// one. (The SQLite columns bound from them: `SQLiteStoreLayoutTests`;
    /// invalid UTF-8 never gets this far: `HostileInputHTTPTests`.)
    @Test func storedEventsHoldTheDecodedValues() async throws {
        try await withAcme { server, key in
            let time = server.purchase("x")["event_time"]?.stringValue ?? ""
            let head = #"{"event_type":"purchase","event_time":"\#(time)","action_source":"website","event_source_url":"https:\/\/shop.example.com\/a","#
            var body = Array(#"{"event_source_id":"w\u0065b","events":["#.utf8)
            body += Array((head + #""event_id":"e\u0031","user_match":{"click_id":"c\"1","click_id_type":"gcl\u0069d"},"custom_data":{"value":1,"currency":"\u0055SD","order_id":"o\u00e9"}},"#).utf8)
            body += Array((head + #""event_id":"e2","user_match":{"click_id":"c2","click_id_type":""},"custom_data":{"value":1,"order_id":""}},"#).utf8)
            body += Array((head + #""event_id":"e3","user_match":{"click_id":"\u00e9("}}]}"#).utf8)
            let reply = try await server.request("POST", "/agentic/v1/capi", key: key, body: Data(body))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["events_processed"]?.intValue == 3)
            let stored = try await server.storedEvents()
            #expect(stored.map(\.eventSourceID) == ["web", "web", "web"], "w\\u0065b is the source web")
            let rows = stored.map { event in
                let json = event.parsed
                return [event.eventID, event.eventType, json["custom_data"]?["currency"]?.stringValue ?? "NULL",
                        json["custom_data"]?["order_id"]?.stringValue ?? "NULL", json["user_match"]?["click_id"]?.stringValue ?? "NULL",
                        json["user_match"]?["click_id_type"]?.stringValue ?? "NULL"].joined(separator: "|")
            }
            #expect(rows == ["e1|purchase|USD|o\u{e9}|c\"1|gclid", "e2|purchase|NULL||c2|", "e3|purchase|NULL|NULL|\u{e9}(|NULL"])
            #expect(Set(stored.map(\.eventTime)) == [RFC3339.parseMilliseconds(time) ?? -1])
        }
    }

    /// Stored events come back as the sender wrote them, byte for byte:
    /// white space, escapes, key order, members the server does not know,
    /// key-like text inside strings. (That SQLite stores them compact,
    /// `CompactEventJSON`: `SQLiteStoreLayoutTests`.)
    @Test func storedPayloadsComeBackByteForByte() async throws {
        try await withAcme { server, key in
            let time = server.purchase("x")["event_time"]?.stringValue ?? ""
            let events: [[UInt8]] = [
                Array(#"{"event_id":"p1","event_type":"purchase","event_time":"\#(time)","action_source":"website","event_source_url":"https://shop.example.com/done","user_match":{"uids":[{"type":"rampid","value":"XY1"}],"click_id":"c1","click_id_type":"sc3clid"},"custom_data":{"value":12.5,"currency":"USD","contents":[{"id":"SKU-1","quantity":2,"price":6.25}]}}"#.utf8),
                Array("{\n  \"event_type\" : \"lead\",\n\t\"event_id\": \"p2\", \"event_time\":\"\(time)\",\r\n \"partner\": {\"note\": \"\\\"event_id\\\":\\\"x\\\" caf\u{e9} \\u00e9\"}, \"user_match\":{\"click_id\":\"c2\",\"click_id_type\":\"sc3clid\"}}".utf8),
                Array(#"{"event_id":"p3","event_type":"purchase","event_time":"\#(time)","user_match":{"hashed_email":"\#(String(repeating: "ab", count: 32))"},"custom_data":{"value":1,"currency":"EUR","order_id":"\"event_type\":\"lead\""}}"#.utf8),
            ]
            let body = Array(#"{"event_source_id":"web","events":["#.utf8) + events.joined(separator: Array(",".utf8)) + Array("]}".utf8)
            let reply = try await server.request("POST", "/agentic/v1/capi", key: key, body: Data(body))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["events_processed"]?.intValue == 3)
            let json = try await server.storedJSON()
            #expect(json.count == 3)
            #expect(json.map { Array($0.utf8) } == events)
        }
    }

    @Test func acceptsAValidBatchAndStoresItDurably() async throws {
        try await withAcme { server, key in
            let reply = try await server.logEvents(key: key, source: "web", [server.purchase("o1"), server.purchase("o2")])
            #expect(reply.status == 200)
            #expect(reply.json["events_received"]?.intValue == 2)
            #expect(reply.json["events_processed"]?.intValue == 2)
            #expect(reply.json["match_quality"]?.doubleValue == 1)
            #expect(reply.json["ext"]?["duplicates"]?.intValue == 0)
            #expect(reply.json["errors"] == nil)
            #expect(try await server.census("acme").events == 2)
            #expect(try await server.storedEventIDs() == ["o1", "o2"])
        }
    }

    @Test func resentEventsAreAcknowledgedAndStoredOnce() async throws {
        try await withAcme { server, key in
            _ = try await server.logEvents(key: key, source: "web", [server.purchase("o1")])
            let again = try await server.logEvents(key: key, source: "web", [server.purchase("o1"), server.purchase("o2"), server.purchase("o2")])
            #expect(again.status == 200)
            #expect(again.json["events_processed"]?.intValue == 3)
            #expect(again.json["ext"]?["duplicates"]?.intValue == 2, "o1 was known; the second o2 repeats the first")
            #expect(try await server.census().events == 2)
            // Same id, other event type: a different event.
            var lead = server.purchase("o1")
            if case .object(var o) = lead { o["event_type"] = .string("lead"); lead = .object(o) }
            let third = try await server.logEvents(key: key, source: "web", [lead])
            #expect(third.json["ext"]?["duplicates"]?.intValue == 0)
        }
    }

    /// A repeat near, far from and at the end of a batch is stored once and
    /// counted; the same id with another type is another event; a failed
    /// event shifts the accepted ones; each stored event keeps its own
    /// values. (The SQLite writer's statement boundaries, at 50 rows, are
    /// checked against its columns in `SQLiteStoreLayoutTests`.)
    @Test func repeatsAreCaughtWithinAndAcrossInsertStatements() async throws {
        let rows = 50
        let count = 2 * rows + 23
        let tail = 2 * rows + 1
        // index → index of the event it repeats
        let repeats = [7: 3, rows + 10: 3, tail + 9: tail + 4, tail + 19: 40]
        let invalid = 20
        let lead = 30  // the id of event 3, as a lead
        try await withAcme { server, key in
            let events = (0..<count).map { i -> JSONValue in
                if i == invalid { return server.purchase("e\(i)", extra: ["event_type": .string("refund")]) }
                if i == lead { return server.purchase("e3", extra: ["event_type": .string("lead")]) }
                // Each row's own values differ, so a binding off by a row or a column shows.
                let data: JSONValue = .object(["value": .number(Double(i + 1)), "currency": .string("USD"), "order_id": .string("ord-\(i)")])
                return server.purchase("e\(repeats[i] ?? i)", ago: Double(60 + i), extra: ["custom_data": data])
            }
            let reply = try await server.logEvents(key: key, source: "web", events)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["events_processed"]?.intValue == count - 1)
            #expect(reply.json["ext"]?["duplicates"]?.intValue == repeats.count)
            let records = try await server.storedEvents()
            let stored = records.map { "\($0.eventType):\($0.eventID)" }
            let kept = (0..<count).filter { $0 != invalid && repeats[$0] == nil }
            let expected = kept.map { i in i == lead ? "lead:e3" : "purchase:e\(i)" }
            #expect(stored == expected)
            // Each stored event is the one sent at its place, under its own key.
            #expect(records.map(\.json) == kept.map { events[$0].canonicalText })
            let mismatched = records.filter { record in
                let json = record.parsed
                return record.eventSourceID != "web" || json["event_id"]?.stringValue != record.eventID
                    || json["event_type"]?.stringValue != record.eventType
                    || RFC3339.parseMilliseconds(json["event_time"]?.stringValue ?? "") != record.eventTime
                    || record.receivedAt <= 0
            }
            #expect(mismatched.isEmpty, "every event's key and time are its own payload's: \(mismatched.prefix(3))")
            // The same batch again: every accepted event is a repeat.
            let again = try await server.logEvents(key: key, source: "web", events)
            #expect(again.json["ext"]?["duplicates"]?.intValue == count - 1)
            #expect(try await server.census().events == expected.count)
        }
    }

    @Test func invalidEventsFailAloneInPartialFailures() async throws {
        try await withAcme { server, key in
            let bad = server.purchase("bad", extra: ["user_match": .object(["hashed_email": .string("bob@example.com")])])
            let reply = try await server.logEvents(key: key, source: "web", [server.purchase("good"), bad])
            #expect(reply.status == 200)
            #expect(reply.json["events_processed"]?.intValue == 1)
            let failure = try #require(reply.json["partial_failures"]?[0])
            #expect(failure["event_id"]?.stringValue == "bad")
            #expect(failure["code"]?.stringValue == "VALIDATION_ERROR")
            #expect(failure["field"]?.stringValue == "events[1].user_match.hashed_email")
            let stored = try await server.storedJSON()
            #expect(stored.count == 1)
            #expect(!stored.joined().contains("bob@example.com"), "raw PII is never stored")
        }
    }

    @Test func aBatchWithNothingValidIs400WithEveryError() async throws {
        try await withAcme(configure: { $0.maxReportedFailures = 2 }) { server, key in
            let events = (0..<3).map { server.purchase("p\($0)", extra: ["event_type": .string("refund")]) }
            let reply = try await server.logEvents(key: key, source: "web", events)
            #expect(reply.status == 400)
            #expect(reply.json["errors"]?.arrayValue?.count == 2, "capped by the setting")
            #expect(reply.json["ext"]?["errors_total"]?.intValue == 3)
            #expect(reply.firstError?["field"]?.stringValue == "events[0].event_type")
            #expect(reply.json["events_received"] == nil)
            #expect(try await server.census().events == 0)
        }
    }

    /// 2,600 events are read in three runs on both cores while the writer
    /// stores the first: failures keep their batch positions, duplicates across
    /// runs are caught, and rows land in the order they were sent.
    @Test func aLargeBatchIsReadInRunsAndStoredInOrder() async throws {
        try await withAcme { server, key in
            let invalid: Set<Int> = [5, 1_000, 2_599]
            let repeats = [1_500: 10, 2_001: 2_000]
            let events = (0..<2_600).map { i in
                let id = repeats[i].map { "e\($0)" } ?? "e\(i)"
                return invalid.contains(i) ? server.purchase(id, extra: ["event_type": .string("refund")]) : server.purchase(id)
            }
            let reply = try await server.logEvents(key: key, source: "web", events)
            #expect(reply.status == 200)
            #expect(reply.json["events_received"]?.intValue == 2_600)
            #expect(reply.json["events_processed"]?.intValue == 2_597)
            #expect(reply.json["ext"]?["duplicates"]?.intValue == 2)
            let fields = reply.json["partial_failures"]?.arrayValue?.compactMap { $0["field"]?.stringValue }
            #expect(fields == ["events[5].event_type", "events[1000].event_type", "events[2599].event_type"])
            let stored = try await server.storedEventIDs()
            let expected = (0..<2_600).filter { !invalid.contains($0) && repeats[$0] == nil }.map { "e\($0)" }
            #expect(stored == expected)
        }
    }

    /// The WAL is copied into the database file in the background (no request
    /// waits for it), so the file grows as batches arrive and the WAL does not.
    @Test(.disabled(if: TestStore.isPostgres, TestStore.sqliteOnly))
    func theWriteAheadLogIsCheckpointedInTheBackground() async throws {
        try await withAcme { server, key in
            for batch in 0..<4 {
                let events = (0..<2_500).map { server.purchase("b\(batch)-\($0)", extra: ["custom_event_name": .string(String(repeating: "x", count: 400))]) }
                #expect(try await server.logEvents(key: key, source: "web", events).status == 200)
            }
            // A file-size check, not SQL: the server under test runs on a SQLite file.
            guard case .sqlite(let path) = server.location else { Issue.record("not a SQLite store"); return }
            let size = { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
            var waited = 0
            while size() < 4_000_000, waited < 100 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            #expect(size() >= 4_000_000, "the database file holds the batches' pages")
            #expect(try await server.census().events == 10_000)
        }
    }

    @Test func unknownFieldsAreKept() async throws {
        try await withAcme { server, key in
            let event = server.purchase("x1", extra: ["partner_ref": .object(["campaign": .string("bf-2026")])])
            let reply = try await server.logEvents(key: key, source: "web", [event])
            #expect(reply.status == 200)
            let stored = try await server.storedJSON()
            #expect(stored.count == 1)
            #expect(stored.first?.contains(#""partner_ref":{"campaign":"bf-2026"}"#) == true)
        }
    }

    @Test func warnsAboutEventsThatCannotBeAttributed() async throws {
        try await withAcme { server, key in
            let anonymous = server.purchase("a1", extra: ["user_match": .null])
            let gclid = server.purchase("a2", extra: ["user_match": .object(["click_id": .string("G"), "click_id_type": .string("gclid")])])
            let reply = try await server.logEvents(key: key, source: "web", [anonymous, gclid, server.purchase("a3")])
            #expect(reply.status == 200)
            let warnings = reply.json["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(warnings.contains { $0.contains("1 of 3 accepted events carry no user_match") })
            #expect(warnings.contains { $0.contains("gclid") })
            #expect(reply.json["match_quality"]?.doubleValue == 0.3667, "(0 + 0.1 + 1.0) / 3: none, a gclid, an sc3clid")
        }
    }

    @Test func envelopeErrorsAre400WithTheirField() async throws {
        try await withAcme(configure: { $0.maxEventsPerBatch = 3 }) { server, key in
            let malformed = try await server.request("POST", "/agentic/v1/capi", key: key, body: Data(#"{"event_source_id": "web", "events": ["#.utf8))
            #expect(malformed.status == 400)
            #expect(malformed.firstError?["code"]?.stringValue == "INVALID_REQUEST")
            #expect(malformed.firstError?["message"]?.stringValue == "Invalid JSON payload")

            let noSource = try await server.post("/agentic/v1/capi", key: key, json: .object(["events": .array([server.purchase("a")])]))
            #expect(noSource.status == 400)
            #expect(noSource.firstError?["field"]?.stringValue == "event_source_id")

            let noEvents = try await server.post("/agentic/v1/capi", key: key, json: .object(["event_source_id": .string("web")]))
            #expect(noEvents.status == 400)
            #expect(noEvents.firstError?["field"]?.stringValue == "events")

            let empty = try await server.logEvents(key: key, source: "web", [])
            #expect(empty.status == 400)
            #expect(empty.firstError?["field"]?.stringValue == "events")

            let tooMany = try await server.logEvents(key: key, source: "web", (0..<4).map { server.purchase("t\($0)") })
            #expect(tooMany.status == 400)
            #expect(tooMany.firstError?["field"]?.stringValue == "events")

            let badKey = try await server.logEvents(key: key, source: "web", [server.purchase("k")], extra: ["idempotency_key": .string("short")])
            #expect(badKey.status == 400)
            #expect(badKey.firstError?["field"]?.stringValue == "idempotency_key")
            #expect(badKey.firstError?["message"]?.stringValue
                == "idempotency_key must be 16 to 255 characters of A-Z a-z 0-9 _ . : - (a UUID works)")
            let longKey = try await server.logEvents(
                key: key, source: "web", [server.purchase("k")], extra: ["idempotency_key": .string(String(repeating: "k", count: 256))])
            #expect(longKey.status == 400)
            #expect(longKey.firstError?["field"]?.stringValue == "idempotency_key")
            #expect(try await server.census().events == 0)
        }
    }

    @Test func wrongContentTypeIs415() async throws {
        try await withAcme { server, key in
            let body = Data(#"{"event_source_id":"web","events":[]}"#.utf8)
            let plain = try await server.request("POST", "/agentic/v1/capi", key: key, body: body, contentType: "text/plain")
            #expect(plain.status == 415)
            #expect(plain.firstError?["message"]?.stringValue == "Content-Type must be application/json")
            let withCharset = try await server.request(
                "POST", "/agentic/v1/capi", key: key,
                body: Data(JSONValue.object(["event_source_id": .string("web"), "events": .array([server.purchase("c")])]).canonicalText.utf8),
                contentType: "application/json; charset=utf-8")
            #expect(withCharset.status == 200)
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        try await withAcme(configure: { $0.maxBodyBytes = 64 * 1024 }) { server, key in
            let events = (0..<400).map { server.purchase("big\($0)") }
            let reply = try await server.logEvents(key: key, source: "web", events)
            #expect(reply.status == 413)
            #expect(reply.firstError?["code"]?.stringValue == "INVALID_REQUEST")
            #expect(try await server.census().events == 0)
        }
    }

    @Test func keysAreCheckedBeforeAnything() async throws {
        try await withAcme { server, key in
            let events = [server.purchase("z")]
            let missing = try await server.logEvents(key: "", source: "web", events)
            #expect(missing.status == 401)
            #expect(missing.firstError?["code"]?.stringValue == "AUTH_REQUIRED")
            let unknown = try await server.logEvents(key: "scope3_notakey", source: "web", events)
            #expect(unknown.status == 401)
            #expect(unknown.firstError?["code"]?.stringValue == "AUTH_INVALID")

            let prefix = String(key.prefix(APIKey.prefixLength))
            #expect(try await server.store.revokeAPIKey(prefix: prefix, at: 1))
            let revoked = try await server.logEvents(key: key, source: "web", events)
            #expect(revoked.status == 401)
            #expect(try await server.census().events == 0)
        }
    }

    @Test func theAdCPAuthHeaderWorksToo() async throws {
        try await withAcme { server, key in
            let body = Data(JSONValue.object(["event_source_id": .string("web"), "events": .array([server.purchase("h")])]).canonicalText.utf8)
            let reply = try await server.request("POST", "/agentic/v1/capi", body: body, headers: ["x-adcp-auth": key])
            #expect(reply.status == 200)
        }
    }

    @Test func aSourceOfAnotherAccountLooksLikeNoSourceAtAll() async throws {
        try await withAcme { server, acmeKey in
            let otherKey = try await server.account("globex")
            _ = try await server.sync(key: otherKey, [.object(["event_source_id": .string("globex_only")])])
            let foreign = try await server.logEvents(key: acmeKey, source: "globex_only", [server.purchase("f")])
            let nowhere = try await server.logEvents(key: acmeKey, source: "no_such_source", [server.purchase("f")])
            #expect(foreign.status == 403)
            #expect(nowhere.status == 403)
            #expect(foreign.firstError?["code"]?.stringValue == "REFERENCE_NOT_FOUND")
            #expect(foreign.firstError?["field"]?.stringValue == "event_source_id")
            #expect(foreign.firstError?["message"]?.stringValue?.contains("sync_event_sources") == true)
            #expect(foreign.firstError?["message"]?.stringValue?.replacingOccurrences(of: "globex_only", with: "X")
                == nowhere.firstError?["message"]?.stringValue?.replacingOccurrences(of: "no_such_source", with: "X"))
            // Both accounts may name a source `web`; each sees its own.
            _ = try await server.sync(key: otherKey, [.object(["event_source_id": .string("web")])])
            let mine = try await server.logEvents(key: acmeKey, source: "web", [server.purchase("same")])
            let theirs = try await server.logEvents(key: otherKey, source: "web", [server.purchase("same")])
            #expect(mine.json["ext"]?["duplicates"]?.intValue == 0)
            #expect(theirs.json["ext"]?["duplicates"]?.intValue == 0, "dedup is per account")
        }
    }

    @Test func idempotencyKeyReplaysOrConflicts() async throws {
        try await withAcme { server, key in
            let idem: [String: JSONValue] = ["idempotency_key": .string("0b8c3a52-2f1e-4c1a-9d7e-1f2a3b4c5d6e")]
            let first = try await server.logEvents(key: key, source: "web", [server.purchase("i1")], extra: idem)
            let second = try await server.logEvents(key: key, source: "web", [server.purchase("i1")], extra: idem)
            #expect(first.status == 200 && second.status == 200)
            #expect(first.body == second.body, "the first response is returned again")
            #expect(second.json["ext"]?["duplicates"]?.intValue == 0, "not re-counted as a duplicate")
            let other = try await server.logEvents(key: key, source: "web", [server.purchase("i2")], extra: idem)
            #expect(other.status == 409)
            #expect(other.firstError?["code"]?.stringValue == "IDEMPOTENCY_CONFLICT")
            #expect(try await server.census().events == 1)
        }
    }

    @Test func testEventsAreStoredApartAndListedNewestFirst() async throws {
        try await withAcme { server, key in
            let code: [String: JSONValue] = ["test_event_code": .string("TEST42")]
            let first = try await server.logEvents(key: key, source: "web", [server.purchase("t1")], extra: code)
            #expect(first.status == 200)
            #expect(first.json["ext"]?["test_event_code"]?.stringValue == "TEST42")
            server.clock.advance(seconds: 5)
            let bad = server.purchase("t2", extra: ["event_type": .string("refund")])
            let second = try await server.logEvents(key: key, source: "web", [server.purchase("t3"), bad], extra: code)
            #expect(second.status == 200)
            let census = try await server.census()
            #expect(census.events == 0, "test events never reach production data")
            #expect(census.testEvents == 3)

            let list = try await server.request("GET", "/agentic/v1/test-events?event_source_id=web&test_event_code=TEST42", key: key)
            #expect(list.status == 200)
            let items = list.json["test_events"]?.arrayValue ?? []
            #expect(items.map { $0["event_id"]?.stringValue ?? "" } == ["t2", "t3", "t1"] || items.map { $0["event_id"]?.stringValue ?? "" } == ["t3", "t2", "t1"])
            #expect(items.last?["outcome"]?.stringValue == "accepted")
            let failed = items.first { $0["event_id"]?.stringValue == "t2" }
            #expect(failed?["outcome"]?.stringValue == "failed")
            #expect(failed?["error"]?["field"]?.stringValue == "events[1].event_type")
            #expect(items.first?["received_at"]?.stringValue == "2026-11-27T12:00:05.000Z")
            #expect(items.last?["event"]?["event_id"]?.stringValue == "t1", "the event as sent")

            let otherCode = try await server.request("GET", "/agentic/v1/test-events?event_source_id=web&test_event_code=NOPE", key: key)
            #expect(otherCode.json["test_events"]?.arrayValue?.isEmpty == true)
            let foreign = try await server.request("GET", "/agentic/v1/test-events?event_source_id=web", key: try await server.account("globex"))
            #expect(foreign.status == 403)
            let noSource = try await server.request("GET", "/agentic/v1/test-events", key: key)
            #expect(noSource.status == 400)
        }
    }

    @Test func eventTimeWindowsFollowTheClock() async throws {
        try await withAcme(configure: { $0.maxEventAgeSeconds = 7 * 86_400 }) { server, key in
            let old = server.purchase("old", ago: 8 * 86_400)
            let recent = server.purchase("recent", ago: 6 * 86_400)
            let future = server.purchase("future", ago: -600)
            let reply = try await server.logEvents(key: key, source: "web", [old, recent, future])
            #expect(reply.json["events_processed"]?.intValue == 1)
            let fields = reply.json["partial_failures"]?.arrayValue?.compactMap { $0["field"]?.stringValue }
            #expect(fields == ["events[0].event_time", "events[2].event_time"])
        }
    }

    @Test func healthAndReadiness() async throws {
        try await TestServer.run { server in
            let health = try await server.request("GET", "/healthz")
            #expect(health.status == 200)
            let ready = try await server.request("GET", "/readyz")
            #expect(ready.status == 200)
            #expect(ready.json["status"]?.stringValue == "ready")
        }
    }
}

