import CAPICore
import CAPIServer
import CAPIStore
import Foundation
import Testing

/// Broken JSON inside one event of a batch. The envelope pass only skims the
/// events, so such a fault is found while the batch's runs are read, maybe
/// after the writer stored earlier runs: the request must still be refused
/// whole, as invalid JSON, with nothing of it kept.
extension LogEventHTTPTests {
    static let brokenEvent = #"{"event_id":"x" "event_type":"purchase"}"#

    /// A log_event body whose event `broken` is `brokenEvent`, and the byte
    /// where a strict reader stops in it.
    func body(
        _ server: TestServer, events count: Int, broken: Int?, prefix: String, extra: String = ""
    ) -> (body: Data, faultAt: Int) {
        var events = (0..<count).map { server.purchase("\(prefix)\($0)").canonicalText }
        if let broken { events[broken] = Self.brokenEvent }
        let head = #"{"event_source_id":"web","# + extra + #""events":["#
        let text = head + events.joined(separator: ",") + "]}"
        let before = broken.map { events[..<$0].reduce(head.utf8.count) { $0 + $1.utf8.count + 1 } } ?? 0
        return (Data(text.utf8), before + #"{"event_id":"x" "#.utf8.count)
    }

    /// What a batch leaves behind: stored events, test events, counters, idempotency records.
    func traces(_ server: TestServer) async throws -> [String] {
        let census = try await server.census()
        let counters = try await server.counters("acme").sorted { $0.key < $1.key }.map { source, c in
            "\(source): \(c.received)/\(c.accepted)/\(c.failed)/\(c.duplicates)/\(c.testEvents)"
        }
        return ["\(census.events) events", "\(census.testEvents) test events", "\(census.idempotencyRecords) idempotency records"]
            + counters
    }

    func expectInvalidJSON(_ reply: TestServer.Reply, at offset: Int, _ comment: Comment) {
        #expect(reply.status == 400, comment)
        #expect(reply.firstError?["code"]?.stringValue == "INVALID_REQUEST", comment)
        #expect(reply.firstError?["message"]?.stringValue == "Invalid JSON payload", comment)
        #expect(reply.firstError?["suggestion"]?.stringValue == "The body is not valid JSON: expected ',' or '}' at byte \(offset)", comment)
        #expect(reply.json["partial_failures"] == nil, comment)
    }

    /// 2,600 events are three runs; the fault in event 2,100 is in the last,
    /// which the writer takes after storing the first two. Also one run of
    /// 300, refused before the writer is taken.
    @Test(arguments: [(2_600, 2_100), (300, 200), (5, 0)])
    func brokenJSONInAnEventRefusesTheWholeBatch(events: Int, broken: Int) async throws {
        try await withAcme { server, key in
            #expect(try await server.logEvents(key: key, source: "web", [server.purchase("before")]).status == 200)
            let before = try await traces(server)
            let idem = #""idempotency_key":"0b8c3a52-2f1e-4c1a-9d7e-broken-json","#
            let bad = body(server, events: events, broken: broken, prefix: "b", extra: idem)
            let reply = try await server.request("POST", "/agentic/v1/capi", key: key, body: bad.body)
            expectInvalidJSON(reply, at: bad.faultAt, "\(events) events, broken at \(broken)")
            #expect(try await traces(server) == before, "nothing of the batch is kept")

            // The same key and events, now well formed: no record replays, no event is a duplicate.
            let good = body(server, events: events, broken: nil, prefix: "b", extra: idem)
            let fixed = try await server.request("POST", "/agentic/v1/capi", key: key, body: good.body)
            #expect(fixed.status == 200)
            #expect(fixed.json["events_processed"]?.intValue == events)
            #expect(fixed.json["ext"]?["duplicates"]?.intValue == 0)
        }
    }

    @Test(arguments: [(2_600, 2_100), (300, 200)])
    func brokenJSONInATestBatchLogsNothing(events: Int, broken: Int) async throws {
        try await withAcme { server, key in
            let code = #""test_event_code":"T-BROKEN","#
            #expect(try await server.request("POST", "/agentic/v1/capi", key: key, body: body(server, events: 3, broken: nil, prefix: "t", extra: code).body).status == 200)
            let before = try await traces(server)
            let bad = body(server, events: events, broken: broken, prefix: "b", extra: code)
            let reply = try await server.request("POST", "/agentic/v1/capi", key: key, body: bad.body)
            expectInvalidJSON(reply, at: bad.faultAt, "test batch of \(events), broken at \(broken)")
            #expect(try await traces(server) == before, "nothing of the test batch is logged")
        }
    }

    /// The writer itself: a run that carries a syntax error rolls back the
    /// runs it already stored, counters included.
    @Test func theWriterRollsBackOnARunWithBrokenJSON() async throws {
        try await withAcme { server, key in
            let body = Array(self.body(server, events: 4, broken: nil, prefix: "w").body)
            let ranges = try #require(try body.withUnsafeBufferPointer { buffer throws(LogEventDecoder.Failure) in
                try LogEventDecoder.decodeEnvelope(buffer, maxEvents: 10)
            }.eventRanges)
            let validator = EventValidator(contract: EventSourceContract(), now: server.clock.nowMilliseconds)
            let runs = ValidatedRuns(count: 2)
            let first = body.withUnsafeBufferPointer { ValidatedEvents($0, ranges: ranges[0..<2], firstIndex: 0, validator: validator) }
            #expect(first.accepted.count == 2, "the first run is written before the second is taken")
            runs.deliver(first, at: 0)
            var second = body.withUnsafeBufferPointer { ValidatedEvents($0, ranges: ranges[2..<4], firstIndex: 2, validator: validator) }
            #expect(second.accepted.count == 2)
            second.syntaxError = JSONSyntaxError(message: "invented", offset: 7)
            runs.deliver(second, at: 1)
            let batch = IngestBatch(accountID: "acme", eventSourceID: "web", receivedAt: 1, body: BatchBytes(body), runs: runs)
            let before = try await traces(server)
            await #expect(throws: StoreError.invalidJSON(JSONSyntaxError(message: "invented", offset: 7))) {
                _ = try await server.store.ingest(batch, idempotency: nil) { _ in [] }
            }
            #expect(try await traces(server) == before)
        }
    }

    /// The MCP door skims a log_event call's arguments and the service reads
    /// them strictly: broken JSON inside an event is still the JSON-RPC
    /// parse error of a request that is not JSON, and nothing is stored; a
    /// well-formed large batch passes.
    @Test func theMCPDoorRefusesBrokenEventsAndTakesLargeBatches() async throws {
        try await withAcme { server, key in
            func call(_ arguments: Data) async throws -> TestServer.Reply {
                let rpc = Data(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"log_event","arguments":"#.utf8) + arguments + Data("}}".utf8)
                return try await server.request("POST", "/mcp", key: key, body: rpc, headers: ["Accept": "application/json, text/event-stream"])
            }
            let before = try await traces(server)
            let broken = try await call(body(server, events: 2_600, broken: 2_100, prefix: "m").body)
            #expect(broken.json["error"]?["code"]?.intValue == -32700, "\(broken.text.prefix(300))")
            #expect(broken.json["result"] == nil)
            #expect(try await traces(server) == before)

            let good = try await call(body(server, events: 2_600, broken: nil, prefix: "m").body)
            #expect(good.status == 200)
            #expect(good.json["result"]?["structuredContent"]?["events_processed"]?.intValue == 2_600, "\(good.text.prefix(300))")
            #expect(try await server.census().events == 2_600)
        }
    }
}
