import CAPICore
import Foundation
import Testing

/// Real answers of a running server, over MCP and their REST twins,
/// checked against the AdCP schema files in `schemas/adcp/3.2/`. Every
/// request sent is first checked against its request schema file too.
@Suite struct SchemaConformanceTests {
    struct ToolAnswer {
        var isError: Bool
        var structured: JSONValue
    }

    /// `tools/call` over `/mcp`; the request is checked against `schema` first.
    static func call(
        _ server: TestServer, key: String, _ name: String, _ arguments: JSONValue, schema: AdCPSchemaFile
    ) async throws -> ToolAnswer {
        #expect(try schema.failures(arguments) == [], "the test's own \(name) request")
        let rpc = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\#(name)","arguments":"#
            + arguments.canonicalText + "}}"
        let reply = try await server.request("POST", "/mcp", key: key, body: Data(rpc.utf8), headers: ["Accept": "application/json, text/event-stream"])
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        let result = try #require(reply.json["result"], "\(reply.text.prefix(300))")
        return ToolAnswer(isError: result["isError"] == .bool(true), structured: result["structuredContent"] ?? .null)
    }

    static func expectValid(_ instance: JSONValue, _ schema: AdCPSchemaFile, _ what: String) throws {
        let failures = try schema.failures(instance)
        #expect(failures.isEmpty, "\(what) fails \(schema.rawValue):\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    static func key() -> JSONValue { .string("key-" + UUID().uuidString) }

    static func object(_ members: [String: JSONValue]) -> JSONValue { .object(members) }

    @Test func toolsListPublishesTheSchemaFiles() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let rpc = #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#
            let reply = try await server.request("POST", "/mcp", key: key, body: Data(rpc.utf8), headers: ["Accept": "application/json, text/event-stream"])
            let tools = reply.json["result"]?["tools"]?.arrayValue ?? []
            let files: [String: AdCPSchemaFile] = [
                "get_adcp_capabilities": .capabilitiesRequest, "sync_event_sources": .syncEventSourcesRequest,
                "log_event": .logEventRequest, "get_media_buy_delivery": .deliveryRequest,
            ]
            #expect(Set(tools.compactMap { $0["name"]?.stringValue }) == Set(files.keys))
            for tool in tools {
                let name = tool["name"]?.stringValue ?? "?"
                let published = try #require(tool["inputSchema"])
                let file = try #require(try files[name]?.schema)
                #expect(!published.canonicalText.contains("\"$ref\""), "\(name): the inputSchema is self-contained")
                #expect(published["$defs"] == nil && published["definitions"] == nil)
                #expect(published["type"]?.stringValue == "object")
                #expect(tool["description"]?.stringValue == file["x-tool-summary"]?.stringValue, "\(name): described by the file")
                #expect(published["properties"]?.objectKeys == file["properties"]?.objectKeys, "\(name): the file's properties")
                #expect(published["required"] == file["required"])
            }
            // The published schema alone checks a request, as the file does.
            let published = try #require(tools.first { $0["name"]?.stringValue == "log_event" }?["inputSchema"])
            let event = Self.object(["event_id": .string("e1"), "event_type": .string("purchase"), "event_time": .string("2026-01-01T00:00:00Z")])
            let good = Self.object(["idempotency_key": Self.key(), "event_source_id": .string("web"), "events": .array([event])])
            let empty = Self.object(["idempotency_key": Self.key(), "event_source_id": .string("web"), "events": .array([])])
            #expect(JSONSchemaValidator(schema: published).failures(good).isEmpty)
            #expect(!JSONSchemaValidator(schema: published).failures(empty).isEmpty)
            // The delivery schema's references were inlined, not dropped.
            let delivery = try #require(tools.first { $0["name"]?.stringValue == "get_media_buy_delivery" }?["inputSchema"])
            let badStatus = Self.object(["status_filter": .string("not-a-status")])
            #expect(try !AdCPSchemaFile.deliveryRequest.failures(badStatus).isEmpty)
            #expect(!JSONSchemaValidator(schema: delivery).failures(badStatus).isEmpty)
        }
    }

    @Test func capabilitiesValidate() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let answer = try await Self.call(server, key: key, "get_adcp_capabilities", Self.object([:]), schema: .capabilitiesRequest)
            #expect(!answer.isError)
            try Self.expectValid(answer.structured, .capabilitiesResponse, "get_adcp_capabilities")
        }
    }

    @Test func syncEventSourcesAnswersValidate() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let account = Self.object(["account_id": .string("acme")])
            let web = Self.object([
                "event_source_id": .string("web"), "name": .string("Website"), "event_types": .array([.string("purchase")]),
                "allowed_domains": .array([.string("example.com")]),
            ])
            let app = Self.object(["event_source_id": .string("app")])
            let requests: [(String, JSONValue, Bool)] = [
                ("create", Self.object(["idempotency_key": Self.key(), "account": account, "event_sources": .array([web, app])]), false),
                ("unchanged and delete", Self.object([
                    "idempotency_key": Self.key(), "account": account, "event_sources": .array([web]), "delete_missing": .bool(true),
                ]), false),
                ("discovery", Self.object(["idempotency_key": Self.key(), "account": account]), false),
                ("a source that fails alone", Self.object([
                    "idempotency_key": Self.key(), "account": account,
                    "event_sources": .array([web, Self.object(["event_source_id": .string("bad"), "allowed_domains": .array([.string("not a domain")])])]),
                ]), false),
                ("another account", Self.object(["idempotency_key": Self.key(), "account": Self.object(["account_id": .string("globex")])]), true),
            ]
            for (what, request, failing) in requests {
                let answer = try await Self.call(server, key: key, "sync_event_sources", request, schema: .syncEventSourcesRequest)
                #expect(answer.isError == failing, "\(what): \(answer.structured.canonicalText.prefix(300))")
                try Self.expectValid(answer.structured, .syncEventSourcesResponse, "sync_event_sources \(what)")
            }
            let rest = try await server.sync(key: key, [web])
            #expect(rest.status == 200)
            try Self.expectValid(AdCPSchemaFile.enveloped(rest.json), .syncEventSourcesResponse, "POST /agentic/v1/event-sources/sync")
        }
    }

    @Test func logEventAnswersValidate() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            _ = try await server.sync(key: key, [Self.object(["event_source_id": .string("web")])])
            var refund = server.purchase("r1")
            if case .object(var o) = refund { o["event_type"] = .string("refund"); o["custom_data"] = nil; refund = .object(o) }
            let requests: [(String, JSONValue, Bool)] = [
                ("accepted", Self.object([
                    "idempotency_key": Self.key(), "event_source_id": .string("web"), "events": .array([server.purchase("o1"), server.purchase("o2")]),
                ]), false),
                ("partly failed", Self.object([
                    "idempotency_key": Self.key(), "event_source_id": .string("web"), "events": .array([server.purchase("o3"), refund]),
                ]), false),
                ("unknown source", Self.object([
                    "idempotency_key": Self.key(), "event_source_id": .string("nowhere"), "events": .array([server.purchase("o4")]),
                ]), true),
            ]
            for (what, request, failing) in requests {
                let answer = try await Self.call(server, key: key, "log_event", request, schema: .logEventRequest)
                #expect(answer.isError == failing, "\(what): \(answer.structured.canonicalText.prefix(300))")
                try Self.expectValid(answer.structured, .logEventResponse, "log_event \(what)")
            }
            let rest = try await server.logEvents(key: key, source: "web", [server.purchase("o5"), refund])
            #expect(rest.status == 200)
            try Self.expectValid(AdCPSchemaFile.enveloped(rest.json), .logEventResponse, "POST /agentic/v1/capi")
        }
    }

    @Test func deliveryAnswersValidate() async throws {
        try await AttributionTests.world { w in
            let now = Int64(w.server.clock.now().timeIntervalSince1970 * 1000)
            let scenario = AttributionScenario.build(now: now, seed: 7, repeats: 2, noise: 100)
            try await AttributionTests.load(scenario, into: w)
            try await AttributionTests.attributeUntilIdle(w.server.store)
            let requests: [(String, JSONValue)] = [
                ("with breakdowns", Self.object([
                    "media_buy_ids": .array([.string("mb_a")]), "include_package_daily_breakdown": .bool(true),
                ])),
                ("a buy not found beside one found", Self.object(["media_buy_ids": .array([.string("mb_a"), .string("mb_b")])])),
                ("every buy of the account", Self.object([:])),
            ]
            for (what, request) in requests {
                let answer = try await Self.call(w.server, key: w.acme, "get_media_buy_delivery", request, schema: .deliveryRequest)
                #expect(!answer.isError, "\(what): \(answer.structured.canonicalText.prefix(300))")
                let reported = answer.structured["media_buy_deliveries"]?.arrayValue?.compactMap { $0["media_buy_id"]?.stringValue }
                #expect(reported == ["mb_a"], "\(what)")
                try Self.expectValid(answer.structured, .deliveryResponse, "get_media_buy_delivery \(what)")
            }
            let rest = try await w.server.post("/agentic/v1/delivery", key: w.acme, json: Self.object([
                "media_buy_ids": .array([.string("mb_a")]), "include_package_daily_breakdown": .bool(true),
            ]))
            #expect(rest.status == 200)
            try Self.expectValid(AdCPSchemaFile.enveloped(rest.json), .deliveryResponse, "POST /agentic/v1/delivery")
        }
    }
}

private extension JSONValue {
    var objectKeys: Set<String>? {
        if case .object(let o) = self { return Set(o.keys) }
        return nil
    }
}
