import CAPICore
import CAPIServer
import Foundation
import Testing

/// `GET /metrics`: what it counts, by which labels, through a real server.
@Suite struct MetricsHTTPTests {
    static let source: JSONValue = .object([
        "event_source_id": .string("web"), "event_types": .array([.string("purchase")]),
        "allowed_domains": .array([.string("example.com")]),
    ])

    func withAcme(
        configure: @escaping (inout CAPISettings) -> Void = { _ in },
        _ body: @escaping @Sendable (TestServer, String) async throws -> Void
    ) async throws {
        try await TestServer.run(configure: { s in
            s.attributionIntervalSeconds = 0
            configure(&s)
        }) { server in
            let key = try await server.account("acme")
            _ = try await server.sync(key: key, [Self.source])
            try await body(server, key)
        }
    }

    func mcpLogEvent(_ server: TestServer, key: String, _ events: [JSONValue]) async throws -> TestServer.Reply {
        let arguments: JSONValue = .object(["event_source_id": .string("web"), "events": .array(events)])
        let rpc = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"log_event","arguments":"#
            + arguments.canonicalText + "}}"
        return try await server.request("POST", "/mcp", key: key, body: Data(rpc.utf8), headers: ["Accept": "application/json, text/event-stream"])
    }

    @Test func eventsAreCountedByResultWhicheverDoorTheyCameThrough() async throws {
        try await withAcme { server, key in
            var broken = server.purchase("bad")
            if case .object(var o) = broken { o["event_type"] = .string("refund"); broken = .object(o) }
            let first = try await server.logEvents(key: key, source: "web", [server.purchase("o1"), server.purchase("o2"), broken])
            #expect(first.status == 200)
            let again = try await server.logEvents(key: key, source: "web", [server.purchase("o1")])
            #expect(again.json["ext"]?["duplicates"]?.intValue == 1)
            let mcp = try await mcpLogEvent(server, key: key, [server.purchase("m1")])
            #expect(mcp.json["result"]?["structuredContent"]?["events_processed"]?.intValue == 1, "\(mcp.text.prefix(300))")
            let refused = try await server.logEvents(key: key, source: "web", [broken])
            #expect(refused.status == 400)
            let unknownSource = try await server.logEvents(key: key, source: "nope", [server.purchase("x")])
            #expect(unknownSource.status == 403)
            let replayKey = "replay-key-0123456789"
            for _ in 0..<2 {
                _ = try await server.logEvents(key: key, source: "web", [server.purchase("i1")], extra: ["idempotency_key": .string(replayKey)])
            }

            let m = try await server.metrics()
            #expect(m.value("capi_events_total", ["result": "accepted"]) == 4, "o1, o2, m1, i1")
            #expect(m.value("capi_events_total", ["result": "duplicate"]) == 1)
            #expect(m.value("capi_events_total", ["result": "refused"]) == 2)
            #expect(m.value("capi_log_event_batches_total", ["outcome": "stored"]) == 4)
            #expect(m.value("capi_log_event_batches_total", ["outcome": "refused"]) == 2)
            #expect(m.value("capi_log_event_batches_total", ["outcome": "replayed"]) == 1)
            #expect(m.value("capi_log_event_duration_seconds_count") == 7)
            #expect(m.value("capi_http_requests_total", ["method": "POST", "route": "/agentic/v1/capi", "status": "200"]) == 4)
            #expect(m.value("capi_http_requests_total", ["method": "POST", "route": "/mcp", "status": "200"]) == 1)
        }
    }

    @Test func requestsAreLabelledByRouteTemplateNeverTheRawPath() async throws {
        try await withAcme { server, key in
            _ = try await server.request("GET", "/agentic/v1/media-buys/secret_buy_42", key: key)
            _ = try await server.request("GET", "/no/such/page_77", contentType: nil)
            _ = try await server.request("GET", "/agentic/v1/event-sources/web?x=query_99", key: key)
            let m = try await server.metrics()
            for raw in ["secret_buy_42", "page_77", "query_99"] {
                #expect(!m.text.contains(raw), "the raw path \(raw) became a label")
            }
            #expect(m.value("capi_http_requests_total", ["route": "/agentic/v1/media-buys/{media_buy_id}"]) == 1, "\(m.text)")
            #expect(m.value("capi_http_requests_total", ["route": "NotFound", "status": "404"]) == 1)
            #expect(m.value("capi_http_request_duration_seconds_count", ["route": "/agentic/v1/event-sources/{event_source_id}"]) == 1)
        }
    }

    @Test func storeTimesBacklogAndLogSizeAreExported() async throws {
        try await withAcme { server, key in
            _ = try await server.logEvents(key: key, source: "web", [server.purchase("o1"), server.purchase("o2")])
            server.clock.advance(seconds: 30)
            _ = try await server.logEvents(key: key, source: "web", [server.purchase("o3")])
            let m = try await server.metrics()
            #expect(m.value("capi_attribution_lag_conversions") == 3, "nothing attributed yet")
            #expect(m.value("capi_attribution_lag_seconds") == 30, "the oldest arrived 30 s before now")
            // The SQLite store's own writer: its commits, WAL and dedup index.
            let onSQLite = !TestStore.isPostgres
            if onSQLite {
                #expect((m.value("capi_store_write_seconds_count", ["kind": "durable"]) ?? 0) >= 2)
                #expect((m.value("capi_store_wal_sync_seconds_count") ?? 0) >= 1)
                #expect((m.value("capi_store_wal_bytes") ?? 0) > 0)
                #expect(m.value("capi_store_dedup_memory_entries") == 3, "three events, none filed yet")
            }

            try await AttributionTests.attributeUntilIdle(server.store)
            let after = try await server.metrics()
            #expect(after.value("capi_attribution_lag_conversions") == 0)
            #expect(after.value("capi_attribution_lag_seconds") == 0)
            if onSQLite {
                #expect((after.value("capi_store_write_seconds_count", ["kind": "unsynced"]) ?? 0) >= 1)
            }
        }
    }

    @Test func theBackgroundAttributorCountsItsPasses() async throws {
        try await withAcme(configure: { $0.attributionIntervalSeconds = 0.02 }) { server, key in
            _ = try await server.logEvents(key: key, source: "web", [server.purchase("o1"), server.purchase("o2")])
            var first: Double?
            for _ in 0..<200 {
                first = try await server.metrics().value("capi_attribution_conversions_total", ["kind": "first"])
                if first == 2 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(first == 2)
            #expect((try await server.metrics().value("capi_attribution_pass_duration_seconds_count") ?? 0) >= 1)
        }
    }

    @Test func rateLimitRefusalsHaveTheirCounter() async throws {
        try await withAcme { server, _ in
            server.service.metrics.rateLimited(route: "/agentic/v1/capi")
            server.service.metrics.rateLimited(route: "/agentic/v1/capi")
            let m = try await server.metrics()
            #expect(m.value("capi_rate_limited_total", ["route": "/agentic/v1/capi"]) == 2)
        }
    }

    @Test func exposureFeedBatchesAreTimed() async throws {
        try await AttributionTests.world { w in
            let row: JSONValue = .object([
                "exposure_id": .string("imp_1"), "type": .string("impression"), "media_buy_id": .string("mb_a"),
                "package_id": .string("pkg_1"), "creative_id": .string("cr_1"),
                "time": .string(RFC3339.format(milliseconds: w.server.clock.nowMilliseconds - 1000)),
            ])
            let reply = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array([row]))
            #expect(reply.status == 200, "\(reply.text)")
            _ = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .object([:]))
            let m = try await w.server.metrics()
            #expect(m.value("capi_exposure_batches_total", ["outcome": "stored"]) == 1)
            #expect(m.value("capi_exposure_batches_total", ["outcome": "refused"]) == 1)
            #expect(m.value("capi_exposures_duration_seconds_count") == 2)
        }
    }

    @Test func metricsNeedNoKeyAndAreText() async throws {
        try await TestServer.run { server in
            let reply = try await server.request("GET", "/metrics", contentType: nil)
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(reply.text.contains("# HELP capi_events_total"))
        }
    }
}
