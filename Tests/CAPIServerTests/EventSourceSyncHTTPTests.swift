import CAPICore
import CAPIServer
import Foundation
import Testing

/// `POST /agentic/v1/event-sources/sync` through a real server.
@Suite struct EventSourceSyncHTTPTests {
    func actions(_ reply: TestServer.Reply) -> [String: String] {
        var out: [String: String] = [:]
        for s in reply.json["event_sources"]?.arrayValue ?? [] {
            out[s["event_source_id"]?.stringValue ?? "?"] = s["action"]?.stringValue
        }
        return out
    }

    let web: JSONValue = .object([
        "event_source_id": .string("web"), "name": .string("Website"),
        "event_types": .array([.string("purchase")]), "value_currencies": .array([.string("USD")]),
        "action_source": .string("website"), "allowed_domains": .array([.string("example.com")]),
        "surface": .object(["category": .string("website")]), "ext": .object(["team": .string("growth")]),
    ])

    @Test func createUnchangedUpdateDeleteDiscover() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let created = try await server.sync(key: key, [web, .object(["event_source_id": .string("app")])])
            #expect(created.status == 200)
            #expect(actions(created) == ["web": "created", "app": "created"])
            let first = try #require(created.json["event_sources"]?[0])
            #expect(first["name"]?.stringValue == "Website")
            #expect(first["event_types"] == .array([.string("purchase")]))
            #expect(first["value_currencies"] == .array([.string("USD")]))
            #expect(first["allowed_domains"] == .array([.string("example.com")]))
            #expect(first["surface"]?["category"]?.stringValue == "website")
            #expect(first["ext"]?["team"]?.stringValue == "growth")
            #expect(first["managed_by"]?.stringValue == "buyer")
            #expect(first["setup"]?["snippet_type"]?.stringValue == "server_only")
            #expect(first["setup"]?["instructions"]?.stringValue?.contains("/agentic/v1/capi") == true)
            #expect(first["setup"]?["instructions"]?.stringValue?.contains("\"web\"") == true)

            let again = try await server.sync(key: key, [web])
            #expect(actions(again) == ["web": "unchanged", "app": "unchanged"])

            var renamed = web
            if case .object(var o) = renamed { o["name"] = .string("Shop"); renamed = .object(o) }
            let updated = try await server.sync(key: key, [renamed])
            #expect(actions(updated)["web"] == "updated")
            #expect(updated.json["event_sources"]?[0]?["name"]?.stringValue == "Shop")

            let pruned = try await server.sync(key: key, [renamed], deleteMissing: true)
            #expect(actions(pruned) == ["web": "unchanged", "app": "deleted"])

            let discovery = try await server.sync(key: key, nil, deleteMissing: true)
            #expect(discovery.status == 200)
            #expect(actions(discovery) == ["web": "unchanged"], "discovery never deletes")
            #expect(try await server.census().eventSources == 1)
            #expect(try await server.store.eventSources(accountID: "acme").map(\.eventSourceID) == ["web"])
        }
    }

    @Test func sellerManagedSourcesStayAndCannotBeChanged() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            try await server.store.upsertEventSource(EventSource(
                accountID: "acme", eventSourceID: "store_sales", config: EventSourceConfig(name: "Store"),
                managedBy: .seller, createdAt: 0, updatedAt: 0))
            let reply = try await server.sync(key: key, [web], deleteMissing: true)
            #expect(actions(reply) == ["web": "created", "store_sales": "unchanged"])
            let seller = reply.json["event_sources"]?.arrayValue?.first { $0["event_source_id"]?.stringValue == "store_sales" }
            #expect(seller?["managed_by"]?.stringValue == "seller")
            let takeover = try await server.sync(key: key, [.object(["event_source_id": .string("store_sales")])])
            #expect(actions(takeover)["store_sales"] == "failed")
            #expect(takeover.json["event_sources"]?[0]?["errors"]?[0]?["code"]?.stringValue == "PERMISSION_DENIED")
        }
    }

    @Test func invalidSourcesFailAloneAndWholeRequestErrorsAre400() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let reply = try await server.sync(key: key, [web, .object(["event_source_id": .string("x"), "action_source": .string("fax")])])
            #expect(reply.status == 200)
            #expect(actions(reply) == ["web": "created", "x": "failed"])
            #expect(reply.json["event_sources"]?[1]?["errors"]?[0]?["field"]?.stringValue == "event_sources[1].action_source")

            let wrongType = try await server.post("/agentic/v1/event-sources/sync", key: key, json: .object(["delete_missing": .string("yes")]))
            #expect(wrongType.status == 400)
            #expect(wrongType.firstError?["field"]?.stringValue == "delete_missing")
            let malformed = try await server.request("POST", "/agentic/v1/event-sources/sync", key: key, body: Data("{".utf8))
            #expect(malformed.status == 400)
            #expect(malformed.firstError?["message"]?.stringValue == "Invalid JSON payload")
            let empty = try await server.sync(key: key, [])
            #expect(empty.status == 400)
        }
    }

    @Test func accountMustBeTheKeysOwn() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            try await server.account("globex")
            let own = try await server.sync(key: key, [web], extra: ["account": .object(["account_id": .string("acme")])])
            #expect(own.status == 200)
            let foreign = try await server.sync(key: key, [web], extra: ["account": .object(["account_id": .string("globex")])])
            #expect(foreign.status == 403)
            #expect(foreign.firstError?["code"]?.stringValue == "PERMISSION_DENIED")
            let natural = try await server.sync(key: key, [web], extra: ["account": .object(["brand": .object(["domain": .string("acme.com")])])])
            #expect(natural.status == 404)
            #expect(natural.firstError?["code"]?.stringValue == "ACCOUNT_NOT_FOUND")
            #expect(try await server.census("globex").eventSources == 0)
        }
    }

    @Test func idempotentSyncReplays() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let idem: [String: JSONValue] = ["idempotency_key": .string("sync-0001-abcdefgh")]
            let first = try await server.sync(key: key, [web], extra: idem)
            let replay = try await server.sync(key: key, [web], extra: idem)
            #expect(actions(first)["web"] == "created")
            #expect(actions(replay)["web"] == "created", "the first answer, not a second sync")
            let conflict = try await server.sync(key: key, [web], deleteMissing: true, extra: idem)
            #expect(conflict.status == 409)
        }
    }
}
