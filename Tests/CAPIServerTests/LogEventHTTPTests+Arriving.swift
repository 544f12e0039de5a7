import CAPICore
import CAPIServer
import Foundation
import Synchronization
import Testing

/// A large log_event body is stored while it arrives. Whatever its shape,
/// the reply and the stored rows must be those of the same body read whole.
extension LogEventHTTPTests {
    /// The requests, in order, each as its raw body.
    static func arrivingCases(_ server: TestServer) -> [(name: String, body: [UInt8])] {
        func events(_ range: Range<Int>, prefix: String, _ change: (Int, inout [String: JSONValue]) -> Void = { _, _ in }) -> [JSONValue] {
            range.map { i in
                guard case .object(var o) = server.purchase("\(prefix)\(i)", value: Double(i % 90 + 1)) else { return .null }
                change(i, &o)
                return .object(o)
            }
        }
        func body(_ members: [String: JSONValue]) -> [UInt8] { Array(JSONValue.object(members).canonicalText.utf8) }
        func batch(_ events: [JSONValue], source: String = "web", extra: [String: JSONValue] = [:]) -> [UInt8] {
            var members = extra
            members["event_source_id"] = .string(source)
            members["events"] = .array(events)
            return body(members)
        }
        let valid = batch(events(0..<2_600, prefix: "a"))
        var broken = batch(events(0..<1_500, prefix: "b"))
        // The ':' after one event's "event_id" becomes ';': broken JSON deep in the body.
        let marker = Array(#""event_id":"b1100""#.utf8)
        if let at = (0..<(broken.count - marker.count)).first(where: { broken[$0..<($0 + marker.count)].elementsEqual(marker) }) {
            broken[at + 10] = UInt8(ascii: ";")
        }
        let reordered = Array(#"{"events":"#.utf8) + Array(JSONValue.array(events(0..<1_200, prefix: "r")).canonicalText.utf8)
            + Array(#","event_source_id":"web"}"#.utf8)
        var trailingComma = batch(events(0..<1_100, prefix: "t"))
        trailingComma.insert(UInt8(ascii: ","), at: trailingComma.count - 2)
        return [
            ("valid, several runs", valid),
            ("the same again: all duplicates", valid),
            ("some events invalid", batch(events(0..<1_300, prefix: "p") { i, o in
                if i % 7 == 3 { o["event_type"] = .string("nope") }
                if i == 1_250 { o["event_id"] = nil }
            })),
            ("broken JSON in an event", broken),
            ("data after the envelope", valid + Array(" x".utf8)),
            ("idempotency key after the events", batch(events(0..<1_100, prefix: "k"), extra: ["idempotency_key": .string("key-0001-abcdefgh")])),
            ("the same key again: a replay", batch(events(0..<1_100, prefix: "k"), extra: ["idempotency_key": .string("key-0001-abcdefgh")])),
            ("test code after the events", batch(events(0..<1_100, prefix: "c"), extra: ["test_event_code": .string("T1")])),
            ("unknown source", batch(events(0..<1_100, prefix: "u"), source: "nope")),
            ("events before the source", reordered),
            ("a trailing comma", trailingComma),
            ("no events", batch([])),
            ("more events than allowed", batch(events(0..<3_001, prefix: "m"))),
            ("events not an array", body(["event_source_id": .string("web"), "events": .object([:])])),
            ("a source id that is no string", body(["event_source_id": .number(1), "events": .array(events(0..<1_100, prefix: "n"))])),
            ("nothing valid", batch(events(0..<1_100, prefix: "z") { _, o in o["event_type"] = .string("nope") })),
        ]
    }

    /// Sends every case in order; returns, for each, its status and reply,
    /// and then the rows stored, as text to compare.
    static func arrivingOutcomes(streamingMinBytes: Int) async throws -> (outcomes: [String], streamed: Int) {
        let logEvent = LogEventHTTPTests()
        let outcome = Mutex<([String], Int)>(([], 0))
        try await logEvent.withAcme(configure: { settings in
            settings.streamingMinBytes = streamingMinBytes
            settings.maxEventsPerBatch = 3_000
        }) { server, key in
            var lines: [String] = []
            for (name, body) in Self.arrivingCases(server) {
                let reply = try await server.request("POST", "/agentic/v1/capi", key: key, body: Data(body))
                lines.append("\(name): \(reply.status) \(reply.text)")
            }
            // Each stored event whole, as the store gives it back (how SQLite
            // lays it out is `SQLiteStoreLayoutTests`' business).
            lines += try await server.storedEvents().map { e in
                "\(e.eventSourceID)|\(e.eventID)|\(e.eventType)|\(e.eventTime)|\(e.receivedAt)|\(e.json)"
            }
            let testEvents = try await server.store.testEvents(accountID: "acme", eventSourceID: "web", testEventCode: nil, limit: 100_000)
            lines += testEvents.reversed().map { t in
                "\(t.eventID)|\(t.eventType ?? "")|\(t.testEventCode)|\(t.outcome)|\(t.error?.code ?? "")|\(String(decoding: t.payload, as: UTF8.self))"
            }
            lines += try await server.counters("acme").sorted { $0.key < $1.key }.map { source, c in
                "\(source)|\(c.received)|\(c.accepted)|\(c.failed)|\(c.duplicates)|\(c.testEvents)|\(c.unmatchable)"
            }
            outcome.withLock { $0 = (lines, server.service.batchesStoredWhileArriving) }
        }
        return outcome.withLock { $0 }
    }

    @Test func aBodyStoredWhileArrivingAnswersAsOneReadWhole() async throws {
        let whole = try await Self.arrivingOutcomes(streamingMinBytes: .max)
        let arriving = try await Self.arrivingOutcomes(streamingMinBytes: 0)
        #expect(whole.streamed == 0)
        // Streamed: the valid batch, its repeat, the one with some invalid
        // events and the one with none valid (which stores only counters);
        // every other case was read whole once complete.
        #expect(arriving.streamed == 4)
        #expect(arriving.outcomes.count == whole.outcomes.count)
        for (a, w) in zip(arriving.outcomes, whole.outcomes) {
            #expect(a == w)
        }
        // The cases answer as they should, not only alike.
        let statuses = whole.outcomes.prefix(16).map { line in
            line.split(separator: " ").first { Int($0) != nil }.flatMap { Int($0) } ?? 0
        }
        #expect(statuses == [200, 200, 200, 400, 400, 200, 200, 200, 403, 200, 400, 400, 400, 400, 400, 400])
        // 2,600 + 1,300 less the invalid + 1,100 keyed + 1,200 reordered rows, the test log, the counters.
        #expect(whole.outcomes.count > 16 + 6_000)
    }

    /// A client that stops sending half-way leaves nothing stored, and the
    /// writer free for the next batch.
    @Test func aBodyThatStopsArrivingStoresNothing() async throws {
        try await withAcme(configure: { $0.streamingMinBytes = 0 }) { server, key in
            let events = (0..<3_000).map { server.purchase("h\($0)") }
            let body = Array(JSONValue.object(["event_source_id": .string("web"), "events": .array(events)]).canonicalText.utf8)
            let port = try #require(Int(server.baseURL.split(separator: ":").last ?? ""))
            try await RawHTTP.abandonedPost(
                port: port, "/agentic/v1/capi",
                headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"],
                body: body, sent: body.count * 2 / 3, pause: .milliseconds(300))
            let next = try await server.logEvents(key: key, source: "web", [server.purchase("after")])
            #expect(next.status == 200)
            #expect(try await server.census().events == 1)
            #expect(try await server.storedEventIDs() == ["after"])
        }
    }
}
