import CAPICore
import CAPIServer
import CAPIStore
import CAPIStores
import Foundation
import Testing

/// Attribution against a generated world whose right answers are known.
@Suite struct AttributionTests {
    struct World: Sendable {
        var server: TestServer
        var acme: String
        var globex: String
        var platform: String
    }

    static let secret = Array("test-signing-secret-0123456789".utf8)

    /// Accounts acme and globex, a platform key, media buys and event sources.
    static func world(interval: Double = 0, _ body: @escaping @Sendable (World) async throws -> Void) async throws {
        try await TestServer.run(configure: { s in
            s.attributionIntervalSeconds = interval
            s.signingSecret = Secret(secret)
        }) { server in
            let acme = try await server.account("acme")
            let globex = try await server.account("globex")
            let platform = try await server.platformKey()
            let buyA: JSONValue = .object([
                "account_id": .string("acme"), "name": .string("Black Friday"), "currency": .string("USD"),
                "packages": .array([
                    .object(["package_id": .string("pkg_1"), "creatives": .array([
                        .object(["creative_id": .string("cr_1"), "landing_url": .string("https://shop.example.com/bf?utm=x#top")]),
                        .object(["creative_id": .string("cr_2"), "landing_url": .string("https://shop.example.com/bf")]),
                    ])]),
                    .object(["package_id": .string("pkg_2"), "creatives": .array([
                        .object(["creative_id": .string("cr_3"), "landing_url": .string("https://shop.example.com/")]),
                    ])]),
                ]),
            ])
            let buyB: JSONValue = .object([
                "account_id": .string("globex"), "currency": .string("EUR"),
                "packages": .array([.object(["package_id": .string("pkg_b"), "creatives": .array([
                    .object(["creative_id": .string("cr_b"), "landing_url": .string("https://globex.example/")]),
                ])])]),
            ])
            #expect(try await server.put("/agentic/v1/media-buys/mb_a", key: platform, json: buyA).status == 201)
            #expect(try await server.put("/agentic/v1/media-buys/mb_b", key: platform, json: buyB).status == 201)
            let crm: JSONValue = .object([
                "event_source_id": .string("crm"),
                "ext": .object(["attribution_window": .object(["post_click": .object(["interval": .number(7), "unit": .string("days")])])]),
            ])
            let sync = try await server.sync(key: acme, [.object(["event_source_id": .string("web")]), .object(["event_source_id": .string("app")]), crm])
            #expect(sync.status == 200)
            _ = try await server.sync(key: globex, [.object(["event_source_id": .string("web")])])
            try await body(World(server: server, acme: acme, globex: globex, platform: platform))
        }
    }

    static func attributeUntilIdle(_ store: any ConversionStore, batch: Int = 2_000) async throws {
        while !(try await store.attributePending(maxConversions: batch, at: 0).isIdle) {}
    }

    /// Every stored conversion's attribution as the store explains it
    /// (status, duplicate, exposure, model, key, lag, window), in arrival order.
    static func snapshot(_ server: TestServer) async throws -> [AttributionExplanation] {
        var out: [AttributionExplanation] = []
        for account in try await server.store.accounts() {
            for event in try await server.storedEvents(account.accountID) {
                let explained = try await server.store.attributionExplanation(
                    accountID: account.accountID, eventSourceID: event.eventSourceID, eventType: event.eventType, eventID: event.eventID)
                out.append(try #require(explained, "\(event.eventSourceID) \(event.eventID)"))
            }
        }
        return out
    }

    /// Sends the scenario's exposures and conversions through the real doors.
    static func load(_ scenario: AttributionScenario, into w: World) async throws {
        let feedA = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array(scenario.exposuresA))
        #expect(feedA.status == 200, "\(feedA.text.prefix(300))")
        #expect(feedA.json["exposures_processed"]?.intValue == scenario.exposuresA.count)
        let ndjson = scenario.exposuresB.map(\.canonicalText).joined(separator: "\n")
        let feedB = try await w.server.request("POST", "/agentic/v1/exposures", key: w.platform, body: Data(ndjson.utf8), contentType: "application/x-ndjson")
        #expect(feedB.json["exposures_processed"]?.intValue == scenario.exposuresB.count)
        for source in ["web", "app", "crm"] {
            let events = scenario.conversions.filter { $0.source == source }.map(\.event)
            for chunk in stride(from: 0, to: events.count, by: 500) {
                let reply = try await w.server.logEvents(key: w.acme, source: source, Array(events[chunk..<min(chunk + 500, events.count)]))
                #expect(reply.status == 200)
                #expect(reply.json["partial_failures"] == nil, "\(reply.text.prefix(300))")
            }
        }
    }

    static func check(_ scenario: AttributionScenario, _ w: World) async throws {
        for c in scenario.conversions {
            let reply = try await w.server.request(
                "GET", "/agentic/v1/attributions?event_source_id=\(c.source)&event_type=\(c.eventType)&event_id=\(c.eventID)", key: w.acme)
            let a = reply.json["attribution"]
            let got = AttributionScenario.Expected(
                status: reply.json["status"]?.stringValue ?? "?", exposureID: a?["exposure_id"]?.stringValue,
                model: a?["model"]?.stringValue, matchedBy: a?["matched_by"]?.stringValue)
            #expect(got == c.expected, "\(c.source) \(c.eventID)")
        }
    }

    @Test func everyConversionGetsItsKnownAttribution() async throws {
        try await Self.world { w in
            let now = w.server.clock.nowMilliseconds
            let scenario = AttributionScenario.build(now: now, seed: 42, repeats: 15, noise: 2_500)
            #expect(scenario.exposuresA.count > 2_500 && scenario.conversions.count > 250)
            try await Self.load(scenario, into: w)
            try await Self.attributeUntilIdle(w.server.store)
            let late = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array(scenario.lateExposures))
            #expect(late.json["exposures_processed"]?.intValue == scenario.lateExposures.count)
            try await Self.attributeUntilIdle(w.server.store)
            try await Self.check(scenario, w)

            // A rebuild reproduces exactly what the incremental passes wrote.
            let incremental = try await Self.snapshot(w.server)
            #expect(incremental.count == scenario.conversions.count)
            #expect(try await w.server.census().attributions == scenario.conversions.count)
            #expect(!incremental.contains { $0.status == .pending }, "every conversion was decided")
            #expect(try await w.server.store.rebuildAttributions(from: nil, to: nil, at: 1) == scenario.conversions.count)
            #expect(try await Self.snapshot(w.server) == incremental)
            let middle = now - 20 * AttributionScenario.day
            _ = try await w.server.store.rebuildAttributions(from: middle - 5 * AttributionScenario.day, to: middle, at: 2)
            #expect(try await Self.snapshot(w.server) == incremental)
        }
    }

    @Test func explanationsNameTheExposureModelLagAndWindow() async throws {
        try await Self.world { w in
            let now = w.server.clock.nowMilliseconds
            let clickTime = now - 2 * AttributionScenario.hour
            let row: JSONValue = .object([
                "exposure_id": .string("clk-1"), "type": .string("click"), "media_buy_id": .string("mb_a"),
                "package_id": .string("pkg_2"), "creative_id": .string("cr_3"),
                "time": .string(RFC3339.format(milliseconds: clickTime)), "click_id": .string("abc123"),
            ])
            _ = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array([row]))
            let event = w.server.purchase("o-explain", ago: 3600, extra: ["user_match": .object(["click_id": .string("abc123"), "click_id_type": .string("sc3clid")])])
            let pending = try await w.server.logEvents(key: w.acme, source: "web", [event])
            #expect(pending.json["match_quality"]?.doubleValue == 1)
            let before = try await w.server.request("GET", "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=o-explain", key: w.acme)
            #expect(before.json["status"]?.stringValue == "pending")
            try await Self.attributeUntilIdle(w.server.store)
            let after = try await w.server.request("GET", "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=o-explain", key: w.acme)
            #expect(after.json["status"]?.stringValue == "attributed")
            let a = after.json["attribution"]
            #expect(a?["model"]?.stringValue == "click_through")
            #expect(a?["matched_by"]?.stringValue == "sc3clid")
            #expect(a?["lag_seconds"]?.doubleValue == 3600)
            #expect(a?["window_seconds"]?.intValue == 28 * 86_400)
            #expect(a?["exposure"]?["creative_id"]?.stringValue == "cr_3")
            #expect(a?["exposure"]?["package_id"]?.stringValue == "pkg_2")
            #expect(after.json["window"]?["post_view"]?["unit"]?.stringValue == "days")
            // Another account cannot see it; a platform key may not ask.
            let foreign = try await w.server.request("GET", "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=o-explain", key: w.globex)
            #expect(foreign.status == 404)
            let platform = try await w.server.request("GET", "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=o-explain", key: w.platform)
            #expect(platform.status == 403)
        }
    }

    /// The worker reads a conversion's keys from its payload, as sent.
    /// (That SQLite stores no key list on the request path, and that rows
    /// earlier versions stored with one keep it: `SQLiteStoreLayoutTests`.)
    @Test func keysComeFromThePayload() async throws {
        try await Self.world { w in
            let now = w.server.clock.nowMilliseconds
            let (sent, listed) = (AttributionScenario.sha("sent@example"), AttributionScenario.sha("listed@example"))
            let rows: [JSONValue] = [("imp-sent", sent), ("imp-listed", listed)].map { id, email in
                .object([
                    "exposure_id": .string(id), "type": .string("impression"), "media_buy_id": .string("mb_a"),
                    "package_id": .string("pkg_1"), "creative_id": .string("cr_1"),
                    "time": .string(RFC3339.format(milliseconds: now - 600_000)), "hashed_email": .string(email),
                ])
            }
            _ = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array(rows))
            let events = [("from-payload", sent), ("from-other", listed)].map { id, email in
                w.server.purchase(id, ago: 60, extra: ["user_match": .object(["hashed_email": .string(email)])])
            }
            #expect(try await w.server.logEvents(key: w.acme, source: "web", events).status == 200)
            try await Self.attributeUntilIdle(w.server.store)
            for (id, exposure) in [("from-payload", "imp-sent"), ("from-other", "imp-listed")] {
                let reply = try await w.server.request("GET", "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=\(id)", key: w.acme)
                #expect(reply.json["attribution"]?["exposure_id"]?.stringValue == exposure, "\(id)")
                #expect(reply.json["attribution"]?["matched_by"]?.stringValue == "hashed_email")
            }
        }
    }

    @Test func attributionResumesAfterARestart() async throws {
        try await Self.world { w in
            let now = w.server.clock.nowMilliseconds
            let scenario = AttributionScenario.build(now: now, seed: 7, repeats: 4, noise: 200)
            try await Self.load(scenario, into: w)
            _ = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array(scenario.lateExposures))
            // Part of the work, then a new store on the same file, as after a restart
            // or as `capi attribute` opens it (bulk: memory-mapped, large cache).
            let progress = try await w.server.store.attributePending(maxConversions: 10, at: 0)
            #expect(progress.conversions == 10)
            let reopened = try await StoreOpener.open(w.server.location, workload: .bulk)
            let next = try await reopened.attributePending(maxConversions: 10, at: 0)
            #expect(next.conversions == 10, "resumes after the 10 already done")
            try await Self.attributeUntilIdle(reopened, batch: 7)
            try await Self.check(scenario, w)
            try await reopened.close()
        }
    }

    @Test func theBackgroundWorkerAttributesOnItsOwn() async throws {
        try await Self.world(interval: 0.05) { w in
            let now = w.server.clock.nowMilliseconds
            let email = AttributionScenario.sha("bg@example")
            let row: JSONValue = .object([
                "exposure_id": .string("imp-bg"), "type": .string("impression"), "media_buy_id": .string("mb_a"),
                "package_id": .string("pkg_1"), "creative_id": .string("cr_1"),
                "time": .string(RFC3339.format(milliseconds: now - 600_000)), "hashed_email": .string(email),
            ])
            _ = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array([row]))
            _ = try await w.server.logEvents(key: w.acme, source: "web", [w.server.purchase("bg-1", ago: 60, extra: ["user_match": .object(["hashed_email": .string(email)])])])
            var status = ""
            for _ in 0..<100 {
                let reply = try await w.server.request("GET", "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=bg-1", key: w.acme)
                status = reply.json["status"]?.stringValue ?? ""
                if status == "attributed" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status == "attributed")
        }
    }

    @Test func testEventsNeverTakePart() async throws {
        try await Self.world { w in
            let email = AttributionScenario.sha("t@example")
            let now = w.server.clock.nowMilliseconds
            _ = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array([.object([
                "exposure_id": .string("c-t"), "type": .string("click"), "media_buy_id": .string("mb_a"), "package_id": .string("pkg_1"),
                "creative_id": .string("cr_1"), "time": .string(RFC3339.format(milliseconds: now - 600_000)), "hashed_email": .string(email),
            ])]))
            let event = w.server.purchase("t-1", extra: ["user_match": .object(["hashed_email": .string(email)])])
            _ = try await w.server.logEvents(key: w.acme, source: "web", [event], extra: ["test_event_code": .string("T")])
            try await Self.attributeUntilIdle(w.server.store)
            #expect(try await w.server.census().attributions == 0)
        }
    }
}
