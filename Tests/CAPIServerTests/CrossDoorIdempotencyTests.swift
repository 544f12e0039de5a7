import CAPICore
import Foundation
import Testing

/// One idempotency key answers the same request the same way through
/// either door: REST first, then MCP, replays; a different request is 409.
@Suite struct CrossDoorIdempotencyTests {
    static let web: JSONValue = .object([
        "event_source_id": .string("web"), "name": .string("Web"), "event_types": .array([.string("purchase")]),
    ])

    /// `structuredContent` without the envelope's `status`: the task's answer.
    func payload(_ reply: TestServer.Reply) -> JSONValue? {
        guard case .object(var o)? = reply.structured else { return nil }
        o.removeValue(forKey: "status")
        return .object(o)
    }

    @Test func syncThroughRESTThenMCPReplays() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let idem: [String: JSONValue] = ["idempotency_key": .string("sync-cross-door-0001")]
            let rest = try await server.sync(key: key, [Self.web], extra: idem)
            #expect(rest.status == 200)
            // The same request as another client would write it: other member order, spaces.
            let same = #"{ "idempotency_key": "sync-cross-door-0001", "event_sources": [ { "name": "Web", "event_types": ["purchase"], "event_source_id": "web" } ] }"#
            let replay = try await server.mcpCall(key: key, tool: "sync_event_sources", arguments: same)
            #expect(replay.status == 200)
            #expect(replay.json["result"]?["isError"] == .bool(false), "\(replay.text)")
            #expect(replay.structured?["status"]?.stringValue == "completed")
            #expect(payload(replay) == rest.json, "the first answer, not 409 nor a second sync")

            let different = #"{"idempotency_key":"sync-cross-door-0001","delete_missing":true,"event_sources":[{"event_source_id":"web"}]}"#
            let conflict = try await server.mcpCall(key: key, tool: "sync_event_sources", arguments: different)
            #expect(conflict.json["result"]?["isError"] == .bool(true))
            #expect(conflict.structured?["adcp_error"]?["code"]?.stringValue == "IDEMPOTENCY_CONFLICT")
        }
    }

    @Test func logEventThroughRESTThenMCPReplays() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            _ = try await server.sync(key: key, [Self.web])
            let events: [JSONValue] = [server.purchase("x1"), server.purchase("x2")]
            let body: JSONValue = .object([
                "event_source_id": .string("web"), "events": .array(events),
                "idempotency_key": .string("log-cross-door-0001"),
            ])
            let rest = try await server.post("/agentic/v1/capi", key: key, json: body)
            #expect(rest.status == 200)
            #expect(rest.json["ext"]?["duplicates"]?.intValue == 0)
            // The same JSON with the separators another serializer writes.
            let spaced = body.canonicalText.replacingOccurrences(of: "\",\"", with: "\", \"")
                .replacingOccurrences(of: "\":", with: "\": ")
            #expect(spaced != body.canonicalText)
            let replay = try await server.mcpCall(key: key, tool: "log_event", arguments: spaced)
            #expect(replay.json["result"]?["isError"] == .bool(false), "\(replay.text)")
            #expect(payload(replay) == rest.json, "the first answer (no duplicates counted), not 409")

            let other: JSONValue = .object([
                "event_source_id": .string("web"), "events": .array([server.purchase("x3")]),
                "idempotency_key": .string("log-cross-door-0001"),
            ])
            let conflict = try await server.mcpCall(key: key, tool: "log_event", arguments: other.canonicalText)
            #expect(conflict.structured?["adcp_error"]?["code"]?.stringValue == "IDEMPOTENCY_CONFLICT")
            let restConflict = try await server.post("/agentic/v1/capi", key: key, json: other)
            #expect(restConflict.status == 409)
        }
    }
}
