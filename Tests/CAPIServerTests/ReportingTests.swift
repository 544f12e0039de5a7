import CAPICore
import CAPIServer
import Foundation
import Testing

/// Delivery reports against the attribution ground truth, and their CSV twin.
@Suite struct ReportingTests {
    struct Figures: Equatable, CustomStringConvertible {
        var impressions = 0, clicks = 0, conversions = 0, refunds = 0
        var spend = 0.0, value = 0.0
        var description: String { "impr \(impressions) clk \(clicks) spend \(spend) conv \(conversions) value \(value) refunds \(refunds)" }
        static func == (a: Figures, b: Figures) -> Bool {
            a.impressions == b.impressions && a.clicks == b.clicks && a.conversions == b.conversions && a.refunds == b.refunds
                && abs(a.spend - b.spend) < 1e-6 && abs(a.value - b.value) < 1e-6
        }
    }

    /// What the scenario says each (package, creative) of mb_a must show.
    static func expected(_ s: AttributionScenario) -> [String: Figures] {
        var out: [String: Figures] = [:]
        var where_: [String: String] = [:]
        for row in s.exposuresA + s.lateExposures {
            let key = (row["package_id"]?.stringValue ?? "") + "/" + (row["creative_id"]?.stringValue ?? "")
            where_[row["exposure_id"]?.stringValue ?? ""] = key
            if row["type"]?.stringValue == "click" { out[key, default: Figures()].clicks += 1 } else { out[key, default: Figures()].impressions += 1 }
            out[key, default: Figures()].spend += row["cost"]?.doubleValue ?? 0
        }
        for c in s.conversions where c.expected.status == "attributed" {
            guard let key = where_[c.expected.exposureID ?? ""] else { continue }
            let value = c.event["custom_data"]?["value"]?.doubleValue ?? 0
            if c.eventType == "refund" {
                out[key, default: Figures()].refunds += 1
                out[key, default: Figures()].value -= value
            } else {
                out[key, default: Figures()].conversions += 1
                out[key, default: Figures()].value += value
            }
        }
        return out
    }

    static func figures(_ o: JSONValue) -> Figures {
        Figures(
            impressions: o["impressions"]?.intValue ?? 0, clicks: o["clicks"]?.intValue ?? 0,
            conversions: o["conversions"]?.intValue ?? 0, refunds: o["refunds"]?.intValue ?? 0,
            spend: o["spend"]?.doubleValue ?? 0, value: o["conversion_value"]?.doubleValue ?? 0)
    }

    @Test func reportsAgreeWithTheGroundTruthInJSONCSVAndAdCPShape() async throws {
        try await AttributionTests.world { w in
            let now = w.server.clock.nowMilliseconds
            let scenario = AttributionScenario.build(now: now, seed: 99, repeats: 6, noise: 600)
            try await AttributionTests.load(scenario, into: w)
            _ = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array(scenario.lateExposures))
            try await AttributionTests.attributeUntilIdle(w.server.store)
            let truth = Self.expected(scenario)

            // JSON rows by package and creative.
            let json = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a&group_by=package,creative", key: w.acme)
            #expect(json.status == 200)
            let report = try #require(json.json["reports"]?[0])
            var got: [String: Figures] = [:]
            for row in report["rows"]?.arrayValue ?? [] {
                got[(row["package_id"]?.stringValue ?? "") + "/" + (row["creative_id"]?.stringValue ?? "")] = Self.figures(row)
            }
            #expect(got == truth)

            // CSV, parsed back, says the same as JSON.
            let csv = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a&group_by=package,creative&format=csv", key: w.acme)
            #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = try #require(lines.first)
            #expect(header == DeliveryReport.csvColumns)
            var fromCSV: [String: Figures] = [:]
            for cells in lines.dropFirst() {
                let c = Dictionary(uniqueKeysWithValues: zip(header, cells))
                fromCSV[(c["package_id"] ?? "") + "/" + (c["creative_id"] ?? "")] = Figures(
                    impressions: Int(c["impressions"] ?? "") ?? -1, clicks: Int(c["clicks"] ?? "") ?? -1,
                    conversions: Int(c["conversions"] ?? "") ?? -1, refunds: Int(c["refunds"] ?? "") ?? -1,
                    spend: Double(c["spend"] ?? "") ?? -1, value: Double(c["conversion_value"] ?? "") ?? -1)
            }
            #expect(fromCSV == got)

            // The AdCP get_media_buy_delivery shape (REST twin of the MCP tool).
            let adcp = try await w.server.post("/agentic/v1/delivery", key: w.acme, json: .object([
                "media_buy_ids": .array([.string("mb_a"), .string("mb_b")]), "include_package_daily_breakdown": .bool(true),
            ]))
            #expect(adcp.status == 200)
            let deliveries = adcp.json["media_buy_deliveries"]?.arrayValue ?? []
            #expect(deliveries.map { $0["media_buy_id"]?.stringValue ?? "" } == ["mb_a"], "another account's buy is invisible")
            #expect(adcp.json["errors"]?[0]?["code"]?.stringValue == "MEDIA_BUY_NOT_FOUND")
            var byCreative: [String: Figures] = [:]
            for package in deliveries.first?["by_package"]?.arrayValue ?? [] {
                for creative in package["by_creative"]?.arrayValue ?? [] {
                    var f = Self.figures(creative)
                    f.refunds = creative["ext"]?["refunds"]?.intValue ?? 0
                    byCreative[(package["package_id"]?.stringValue ?? "") + "/" + (creative["creative_id"]?.stringValue ?? "")] = f
                }
                let daily = package["daily_breakdown"]?.arrayValue ?? []
                #expect(daily.reduce(0) { $0 + ($1["impressions"]?.intValue ?? 0) } == package["impressions"]?.intValue)
            }
            #expect(byCreative == truth)
            let totals = try #require(deliveries.first?["totals"])
            let sum = truth.values.reduce(Figures()) { a, b in
                Figures(impressions: a.impressions + b.impressions, clicks: a.clicks + b.clicks, conversions: a.conversions + b.conversions,
                        refunds: a.refunds + b.refunds, spend: a.spend + b.spend, value: a.value + b.value)
            }
            var totalFigures = Self.figures(totals)
            totalFigures.refunds = totals["ext"]?["refunds"]?.intValue ?? 0
            #expect(totalFigures == sum)
            #expect(abs((totals["roas"]?.doubleValue ?? 0) - DeliveryMetrics.round(sum.value / sum.spend)) < 1e-6)
            #expect(abs((totals["cost_per_acquisition"]?.doubleValue ?? 0) - DeliveryMetrics.round(sum.spend / Double(sum.conversions))) < 1e-6)
            let types = totals["by_event_type"]?.arrayValue ?? []
            #expect(types.reduce(0) { $0 + ($1["count"]?.intValue ?? 0) } == sum.conversions, "by_event_type sums to conversions")
            #expect(!types.contains { $0["event_type"]?.stringValue == "refund" })
        }
    }

    @Test func valuesNeverMixCurrenciesAndRefundsSubtract() async throws {
        try await AttributionTests.world { w in
            let now = w.server.clock.nowMilliseconds
            let email = AttributionScenario.sha("money@example")
            _ = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array([.object([
                "exposure_id": .string("c-money"), "type": .string("click"), "media_buy_id": .string("mb_a"), "package_id": .string("pkg_1"),
                "creative_id": .string("cr_2"), "time": .string(RFC3339.format(milliseconds: now - 7_200_000)), "hashed_email": .string(email),
                "cost": .number(10),
            ])]))
            let match: JSONValue = .object(["hashed_email": .string(email)])
            func event(_ id: String, _ type: String, _ value: Double, _ currency: String) -> JSONValue {
                w.server.purchase(id, extra: ["event_type": .string(type), "user_match": match,
                                              "custom_data": .object(["value": .number(value), "currency": .string(currency)])])
            }
            let reply = try await w.server.logEvents(key: w.acme, source: "web", [
                event("m1", "purchase", 100, "USD"), event("m2", "purchase", 80, "EUR"), event("m3", "refund", 30, "USD"), event("m4", "lead", 0, "USD"),
            ])
            #expect(reply.json["events_processed"]?.intValue == 4)
            try await AttributionTests.attributeUntilIdle(w.server.store)
            let json = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a&group_by=event_type", key: w.acme)
            let report = try #require(json.json["reports"]?[0])
            #expect(report["totals"]?["conversions"]?.intValue == 3, "purchases and the lead; not the refund")
            #expect(report["totals"]?["conversion_value"]?.doubleValue == 70, "100 USD - 30 USD refund; the EUR purchase adds nothing")
            #expect(report["totals"]?["spend"]?.doubleValue == 10)
            #expect(report["totals"]?["roas"]?.doubleValue == 7)
            let rows = report["rows"]?.arrayValue ?? []
            let purchase = rows.first { $0["event_type"]?.stringValue == "purchase" }
            #expect(purchase?["conversions"]?.intValue == 2)
            #expect(purchase?["spend"] == nil, "spend cannot be split by event type")
            let window = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a&from=2026-11-28&to=2026-11-29", key: w.acme)
            #expect(window.json["reports"]?[0]?["totals"]?["conversions"]?.intValue == 0, "nothing in a later window")
            let foreign = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a", key: w.globex)
            #expect(foreign.status == 404)
            let badGroup = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a&group_by=country", key: w.acme)
            #expect(badGroup.status == 400)
            #expect(badGroup.firstError?["field"]?.stringValue == "group_by")
        }
    }
}

/// The report bodies, byte for byte: every field, omission and rounding
/// of the delivery shapes (metrics, breakdowns, refunds in ext, a net
/// value below 0, days, rows with and without spend) and the window of
/// an attribution explanation.
@Suite struct ReportBytesTests {
    @Test func reportBodiesArePinned() async throws {
        try await AttributionTests.world { w in
            let now = w.server.clock.nowMilliseconds
            let a = AttributionScenario.sha("pinned-a@example"), b = AttributionScenario.sha("pinned-b@example")
            func exposure(_ id: String, _ type: String, _ package: String, _ creative: String, ago: Int64, _ email: String, cost: Double) -> JSONValue {
                .object([
                    "exposure_id": .string(id), "type": .string(type), "media_buy_id": .string("mb_a"), "package_id": .string(package),
                    "creative_id": .string(creative), "time": .string(RFC3339.format(milliseconds: now - ago)),
                    "hashed_email": .string(email), "cost": .number(cost),
                ])
            }
            let feed = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array([
                exposure("pin-click", "click", "pkg_1", "cr_2", ago: 7_200_000, a, cost: 10),
                exposure("pin-view", "impression", "pkg_2", "cr_3", ago: 46_800_000, b, cost: 0.3333333),
            ]))
            #expect(feed.status == 200)
            func event(_ id: String, _ type: String, _ value: Double, _ currency: String, _ email: String, source: String = "website") -> JSONValue {
                w.server.purchase(id, extra: [
                    "event_type": .string(type), "user_match": .object(["hashed_email": .string(email)]), "action_source": .string(source),
                    "custom_data": .object(["value": .number(value), "currency": .string(currency)]),
                ])
            }
            let logged = try await w.server.logEvents(key: w.acme, source: "web", [
                event("pin1", "purchase", 100.125, "USD", a), event("pin2", "purchase", 80, "EUR", a),
                event("pin3", "refund", 30, "USD", a), event("pin4", "lead", 0, "USD", a, source: "app"),
                event("pin5", "refund", 50.25, "USD", b),
            ])
            #expect(logged.json["events_processed"]?.intValue == 5)
            try await AttributionTests.attributeUntilIdle(w.server.store)

            let rows = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a&group_by=day,package,creative", key: w.acme)
            #expect(rows.text == Self.rows, "\(rows.text)")
            let byType = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a&group_by=event_type", key: w.acme)
            #expect(byType.text == Self.byType, "\(byType.text)")
            let adcp = try await w.server.post("/agentic/v1/delivery", key: w.acme, json: .object([
                "media_buy_ids": .array([.string("mb_a"), .string("mb_b")]), "include_package_daily_breakdown": .bool(true),
                "context": .object(["trace": .string("t-1")]),
            ]))
            #expect(adcp.text == Self.adcp, "\(adcp.text)")
            let explained = try await w.server.request("GET", "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=pin1", key: w.acme)
            #expect(explained.text == Self.explained, "\(explained.text)")
        }
    }

    static let rows = #"{"from":null,"group_by":["day","package","creative"],"reports":[{"currency":"USD","media_buy_id":"mb_a","rows":[{"clicks":0,"conversion_value":0,"conversions":0,"creative_id":"cr_3","ctr":0,"date":"2026-11-26","impressions":1,"package_id":"pkg_2","refunds":0,"roas":0,"spend":0.333333},{"clicks":1,"conversion_value":70.125,"conversions":3,"cost_per_acquisition":3.333333,"creative_id":"cr_2","date":"2026-11-27","impressions":0,"package_id":"pkg_1","refunds":1,"roas":7.0125,"spend":10},{"clicks":0,"conversion_value":0,"conversions":0,"creative_id":"cr_3","date":"2026-11-27","impressions":0,"package_id":"pkg_2","refunds":1,"spend":0}],"totals":{"by_action_source":[{"action_source":"app","count":1,"value":0},{"action_source":"website","count":2,"value":100.125}],"by_event_type":[{"count":1,"event_type":"lead","value":0},{"count":2,"event_type":"purchase","value":100.125}],"clicks":1,"conversion_value":19.875,"conversions":3,"cost_per_acquisition":3.444444,"ctr":1,"ext":{"refund_value":80.25,"refunds":2},"impressions":1,"roas":1.923387,"spend":10.333333}}],"to":null}"#
    static let byType = #"{"from":null,"group_by":["event_type"],"reports":[{"currency":"USD","media_buy_id":"mb_a","rows":[{"conversion_value":0,"conversions":1,"event_type":"lead","refunds":0},{"conversion_value":100.125,"conversions":2,"event_type":"purchase","refunds":0},{"conversion_value":0,"conversions":0,"event_type":"refund","refunds":2}],"totals":{"by_action_source":[{"action_source":"app","count":1,"value":0},{"action_source":"website","count":2,"value":100.125}],"by_event_type":[{"count":1,"event_type":"lead","value":0},{"count":2,"event_type":"purchase","value":100.125}],"clicks":1,"conversion_value":19.875,"conversions":3,"cost_per_acquisition":3.444444,"ctr":1,"ext":{"refund_value":80.25,"refunds":2},"impressions":1,"roas":1.923387,"spend":10.333333}}],"to":null}"#
    static let adcp = #"{"aggregated_totals":{"clicks":1,"conversion_value":19.875,"conversions":3,"cost_per_acquisition":3.444444,"impressions":1,"media_buy_count":1,"roas":1.923387,"spend":10.333333},"context":{"trace":"t-1"},"currency":"USD","errors":[{"code":"MEDIA_BUY_NOT_FOUND","field":"media_buy_ids[1]","message":"No media buy mb_b on this account","recovery":"correctable"}],"media_buy_deliveries":[{"by_package":[{"by_action_source":[{"action_source":"app","count":1,"value":0},{"action_source":"website","count":2,"value":100.125}],"by_creative":[{"by_action_source":[],"by_event_type":[],"clicks":0,"conversion_value":0,"conversions":0,"creative_id":"cr_1","impressions":0,"spend":0},{"by_action_source":[{"action_source":"app","count":1,"value":0},{"action_source":"website","count":2,"value":100.125}],"by_event_type":[{"count":1,"event_type":"lead","value":0},{"count":2,"event_type":"purchase","value":100.125}],"clicks":1,"conversion_value":70.125,"conversions":3,"cost_per_acquisition":3.333333,"creative_id":"cr_2","ext":{"refund_value":30,"refunds":1},"impressions":0,"roas":7.0125,"spend":10}],"by_event_type":[{"count":1,"event_type":"lead","value":0},{"count":2,"event_type":"purchase","value":100.125}],"clicks":1,"conversion_value":70.125,"conversions":3,"cost_per_acquisition":3.333333,"currency":"USD","daily_breakdown":[{"conversion_value":70.125,"conversions":3,"date":"2026-11-27","impressions":0,"roas":7.0125,"spend":10}],"ext":{"refund_value":30,"refunds":1},"impressions":0,"package_id":"pkg_1","pricing_model":"cpm","rate":0,"roas":7.0125,"spend":10},{"by_action_source":[],"by_creative":[{"by_action_source":[],"by_event_type":[],"clicks":0,"conversion_value":0,"conversions":0,"creative_id":"cr_3","ctr":0,"ext":{"net_conversion_value":-50.25,"refund_value":50.25,"refunds":1},"impressions":1,"roas":0,"spend":0.333333}],"by_event_type":[],"clicks":0,"conversion_value":0,"conversions":0,"ctr":0,"currency":"USD","daily_breakdown":[{"conversion_value":0,"conversions":0,"date":"2026-11-26","impressions":1,"roas":0,"spend":0.333333},{"conversion_value":0,"conversions":0,"date":"2026-11-27","ext":{"net_conversion_value":-50.25},"impressions":0,"spend":0}],"ext":{"net_conversion_value":-50.25,"refund_value":50.25,"refunds":1},"impressions":1,"package_id":"pkg_2","pricing_model":"cpm","rate":333.3333,"roas":0,"spend":0.333333}],"media_buy_id":"mb_a","status":"active","totals":{"by_action_source":[{"action_source":"app","count":1,"value":0},{"action_source":"website","count":2,"value":100.125}],"by_event_type":[{"count":1,"event_type":"lead","value":0},{"count":2,"event_type":"purchase","value":100.125}],"clicks":1,"conversion_value":19.875,"conversions":3,"cost_per_acquisition":3.444444,"ctr":1,"ext":{"refund_value":80.25,"refunds":2},"impressions":1,"roas":1.923387,"spend":10.333333}}],"reporting_period":{"end":"2026-11-27T12:00:00.000Z","start":"2026-11-27T12:00:00.000Z"}}"#
    static let explained = #"{"attribution":{"exposure":{"creative_id":"cr_2","exposure_id":"pin-click","media_buy_id":"mb_a","package_id":"pkg_1","time":"2026-11-27T10:00:00.000Z","type":"click"},"exposure_id":"pin-click","lag_seconds":7140,"matched_by":"hashed_email","model":"click_through","window_seconds":2419200},"event_id":"pin1","event_source_id":"web","event_time":"2026-11-27T11:59:00.000Z","event_type":"purchase","status":"attributed","window":{"post_click":{"interval":28,"unit":"days"},"post_view":{"interval":1,"unit":"days"}}}"#
}

/// Event-source health and counters through both sync and the detail door.
@Suite struct HealthTests {
    @Test func aSilentSourceIsInsufficientWithAnError() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let reply = try await server.sync(key: key, [.object(["event_source_id": .string("web")])])
            let health = try #require(reply.json["event_sources"]?[0]?["health"])
            #expect(health["status"]?.stringValue == "insufficient")
            #expect(health["events_received_24h"]?.intValue == 0)
            #expect(health["issues"]?[0]?["severity"]?.stringValue == "error")
            #expect(health["evaluated_at"]?.stringValue == "2026-11-27T12:00:00.000Z")
        }
    }

    @Test func healthFollowsWhatTheSourceSends() async throws {
        try await AttributionTests.world { w in
            let now = w.server.clock.nowMilliseconds
            var exposures: [JSONValue] = []
            var events: [JSONValue] = []
            for i in 0..<20 {
                exposures.append(.object([
                    "exposure_id": .string("h\(i)"), "type": .string("click"), "media_buy_id": .string("mb_a"), "package_id": .string("pkg_1"),
                    "creative_id": .string("cr_1"), "time": .string(RFC3339.format(milliseconds: now - 3_600_000)), "click_id": .string("sc3-h\(i)"),
                ]))
                events.append(w.server.purchase("h\(i)", extra: ["user_match": .object(["click_id": .string("sc3-h\(i)"), "click_id_type": .string("sc3clid")])]))
            }
            _ = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array(exposures))
            _ = try await w.server.logEvents(key: w.acme, source: "web", events)
            try await AttributionTests.attributeUntilIdle(w.server.store)
            let good = try await w.server.request("GET", "/agentic/v1/event-sources/web", key: w.acme)
            #expect(good.status == 200)
            let health = good.json["event_source"]?["health"]
            #expect(health?["status"]?.stringValue == "excellent")
            #expect(health?["match_rate"]?.doubleValue == 1)
            #expect(health?["issues"]?.arrayValue?.isEmpty == true)
            #expect(good.json["counters"]?["last_24h"]?["accepted"]?.intValue == 20)

            // Now the integration degrades: no identifiers, gclids, bad events, resends.
            var poor: [JSONValue] = (0..<30).map { w.server.purchase("n\($0)", extra: ["user_match": .null]) }
            poor += (0..<10).map { w.server.purchase("g\($0)", extra: ["user_match": .object(["click_id": .string("G\($0)"), "click_id_type": .string("gclid")])]) }
            poor += (0..<10).map { w.server.purchase("b\($0)", extra: ["event_type": .string("nonsense")]) }
            poor += events
            _ = try await w.server.logEvents(key: w.acme, source: "web", poor, extra: ["test_event_code": .null])
            _ = try await w.server.logEvents(key: w.acme, source: "web", [w.server.purchase("t1")], extra: ["test_event_code": .string("T")])
            try await AttributionTests.attributeUntilIdle(w.server.store)
            let sync = try await w.server.sync(key: w.acme, nil)
            let web = sync.json["event_sources"]?.arrayValue?.first { $0["event_source_id"]?.stringValue == "web" }
            let h = try #require(web?["health"])
            #expect(h["status"]?.stringValue == "minimum")
            let codes = h["issues"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? []
            #expect(Set(codes) == ["missing_identifiers", "high_failure_rate", "high_duplicate_rate", "foreign_click_ids"])
            #expect(codes.count <= 5)
            let severities = h["issues"]?.arrayValue?.compactMap { $0["severity"]?.stringValue } ?? []
            #expect(severities == severities.sorted { ($0 == "error" ? 0 : $0 == "warning" ? 1 : 2) < ($1 == "error" ? 0 : $1 == "warning" ? 1 : 2) })
            let detail = try await w.server.request("GET", "/agentic/v1/event-sources/web", key: w.acme)
            let day = detail.json["counters"]?["last_24h"]
            #expect(day?["received"]?.intValue == 90)
            #expect(day?["accepted"]?.intValue == 80)
            #expect(day?["failed"]?.intValue == 10)
            #expect(day?["duplicates"]?.intValue == 20)
            #expect(day?["test_events"]?.intValue == 1)
            #expect(day?["attributed"]?.intValue == 20)

            // Two days later the 24-hour window is empty but the week remembers.
            w.server.clock.advance(seconds: 2 * 86_400)
            let later = try await w.server.request("GET", "/agentic/v1/event-sources/web", key: w.acme)
            #expect(later.json["counters"]?["last_24h"]?["received"]?.intValue == 0)
            #expect(later.json["counters"]?["last_7d"]?["received"]?.intValue == 90)
            #expect(later.json["event_source"]?["health"]?["status"]?.stringValue == "insufficient")
            let missing = try await w.server.request("GET", "/agentic/v1/event-sources/nope", key: w.acme)
            #expect(missing.status == 404)
            let foreign = try await w.server.request("GET", "/agentic/v1/event-sources/web", key: w.globex)
            #expect(foreign.json["counters"]?["last_7d"]?["received"]?.intValue == 0, "globex's own web source, not acme's")
        }
    }
}
