import CAPICore
import CAPIServer
import Foundation
import Testing

/// The promises kept under hostile input, through the real doors: one
/// strict JSON reader, one id rule, bounded amounts, a typed exposure feed,
/// no raw PII stored or echoed, no account but the key's own.
@Suite struct HostileInputHTTPTests {
    typealias World = AttributionTests.World

    static let now = "2026-11-27T11:59:00Z"
    static let sha = String(repeating: "ab", count: 32)

    func event(_ id: String, userMatch: String = #"{"click_id":"c1"}"#, customData: String = #"{"value":1,"currency":"USD"}"#) -> String {
        #"{"event_id":"\#(id)","event_type":"purchase","event_time":"\#(Self.now)","user_match":\#(userMatch),"custom_data":\#(customData)}"#
    }

    func logEvent(_ w: World, _ body: String, key: String? = nil) async throws -> TestServer.Reply {
        try await w.server.request("POST", "/agentic/v1/capi", key: key ?? w.acme, body: Data(body.utf8))
    }

    func mcp(_ w: World, _ body: Data, key: String? = nil) async throws -> TestServer.Reply {
        try await w.server.request("POST", "/mcp", key: key ?? w.acme, body: body, headers: ["Accept": "application/json, text/event-stream"])
    }

    func storedEvents(_ w: World) async throws -> Int {
        try await w.server.census().events
    }

    // MARK: Raw PII

    /// A member given twice is refused whole, in either order: the check of
    /// one `hashed_email` must not let the other's plain address be stored.
    @Test func aRepeatedHashedEmailRefusesTheBatchAndStoresNothing() async throws {
        try await AttributionTests.world { w in
            for pair in [#""hashed_email":"alice@example.com","hashed_email":"\#(Self.sha)""#,
                         #""hashed_email":"\#(Self.sha)","hashed_email":"alice@example.com""#,
                         #""hashed_email":"\#(Self.sha)","hashed\u005femail":"alice@example.com""#] {
                let reply = try await logEvent(w, #"{"event_source_id":"web","events":[\#(event("o1", userMatch: "{\(pair)}"))]}"#)
                #expect(reply.status == 400, "\(reply.text)")
                #expect(reply.firstError?["code"]?.stringValue == "INVALID_REQUEST")
                #expect(reply.firstError?["suggestion"]?.stringValue?.contains("duplicate member name") == true, "\(reply.text)")
                #expect(!reply.text.contains("alice@example.com"))
            }
            #expect(try await storedEvents(w) == 0)
            #expect(try await w.server.census().testEvents == 0)
        }
    }

    /// A test event refused for its plain address is logged with the address
    /// redacted, and the listing does not echo it.
    @Test func aRefusedTestEventKeepsNoRawAddress() async throws {
        try await AttributionTests.world { w in
            let events = [event("t1", userMatch: #"{"hashed_email":"alice@example.com","client_ip":"203.0.113.9"}"#),
                          event("t2", userMatch: #"{"hashed_phone":"+14155550100"}"#, customData: #"{"note":"bob@example.org"}"#)]
            let body = #"{"event_source_id":"web","test_event_code":"TEST1","events":[\#(events.joined(separator: ","))]}"#
            let reply = try await logEvent(w, body)
            #expect(reply.status == 400, "every event refused: \(reply.text)")
            for secret in ["alice@example.com", "+14155550100", "bob@example.org"] { #expect(!reply.text.contains(secret)) }
            let list = try await w.server.request("GET", "/agentic/v1/test-events?event_source_id=web", key: w.acme)
            #expect(list.status == 200)
            #expect(list.json["test_events"]?.arrayValue?.count == 2, "\(list.text)")
            for secret in ["alice@example.com", "+14155550100", "bob@example.org"] {
                #expect(!list.text.contains(secret), "\(list.text)")
            }
            #expect(list.text.contains(EventRedaction.placeholder))
            #expect(list.text.contains("203.0.113.9"), "what is not PII stays readable")
            let stored = try await w.server.store.testEvents(accountID: "acme", eventSourceID: "web", testEventCode: nil, limit: 100)
                .map { String(decoding: $0.payload, as: UTF8.self) }
            #expect(try await w.server.census().testEvents == 2, "no test event is kept anywhere else")
            #expect(stored.count == 2)
            #expect(stored.allSatisfy { !$0.contains("alice@") && !$0.contains("4155550100") && !$0.contains("bob@") }, "\(stored)")
        }
    }

    // MARK: Ids

    /// A NUL or another control character in an id is refused on every
    /// door, before any lookup could stop at it.
    @Test func controlCharactersInIdsAreRefused() async throws {
        try await AttributionTests.world { w in
            let source = try await logEvent(w, #"{"event_source_id":"web\u0000zzz","events":[\#(event("o1"))]}"#)
            #expect(source.status == 400, "\(source.text)")
            #expect(source.firstError?["field"]?.stringValue == "event_source_id")

            let bell = try await logEvent(w, #"{"event_source_id":"web","events":[\#(event(#"o\u0007"#)),\#(event("o2"))]}"#)
            #expect(bell.status == 200)
            #expect(bell.json["partial_failures"]?[0]?["field"]?.stringValue == "events[0].event_id", "\(bell.text)")
            let click = try await logEvent(w, #"{"event_source_id":"web","events":[\#(event("o3", userMatch: #"{"click_id":"c\u0000x"}"#))]}"#)
            #expect(click.firstError?["field"]?.stringValue == "events[0].user_match.click_id", "\(click.text)")
            #expect(try await storedEvents(w) == 1)

            let row = #"{"exposure_id":"x1","type":"impression","media_buy_id":"mb_a\u0000zzz","package_id":"pkg_1","creative_id":"cr_1","time":"\#(Self.now)"}"#
            let feed = try await w.server.request("POST", "/agentic/v1/exposures", key: w.platform, body: Data("[\(row)]".utf8))
            #expect(feed.status == 400, "\(feed.text)")
            #expect(feed.firstError?["field"]?.stringValue == "exposures[0].media_buy_id")
            #expect(try await w.server.census().exposures == 0)

            let sync = try await w.server.request("POST", "/agentic/v1/event-sources/sync", key: w.acme,
                                                  body: Data(#"{"event_sources":[{"event_source_id":"a\u001fb"}]}"#.utf8))
            #expect(sync.json["event_sources"]?[0]?["action"]?.stringValue == "failed", "\(sync.text)")
            let lookup = try await w.server.request("GET", "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=o2%00x", key: w.acme)
            #expect(lookup.status == 400, "\(lookup.text)")
        }
    }

    // MARK: One JSON grammar

    /// Bytes that are not UTF-8 inside a string are refused whole on REST,
    /// MCP, the exposure feed and sync: a repaired id would merge two ids.
    @Test func invalidUTF8IsRefusedOnEveryDoor() async throws {
        try await AttributionTests.world { w in
            let bad: [[UInt8]] = [[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xE0, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xC3]]
            for bytes in bad {
                let eventJSON = Array(#"{"event_source_id":"web","events":[{"event_id":"e"#.utf8) + bytes
                    + Array(#"","event_type":"purchase","event_time":"\#(Self.now)","user_match":{"click_id":"c"}}]}"#.utf8)
                let rest = try await w.server.request("POST", "/agentic/v1/capi", key: w.acme, body: Data(eventJSON))
                #expect(rest.status == 400, "\(bytes)")
                #expect(rest.firstError?["suggestion"]?.stringValue?.contains("UTF-8") == true, "\(rest.text)")

                let rpc = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"log_event","arguments":"#.utf8) + eventJSON + Array("}}".utf8)
                let viaMCP = try await mcp(w, Data(rpc))
                #expect(viaMCP.json["error"]?["code"]?.intValue == -32700, "\(viaMCP.text)")

                let row = Array(#"[{"exposure_id":"x"#.utf8) + bytes
                    + Array(#"","type":"impression","media_buy_id":"mb_a","package_id":"pkg_1","creative_id":"cr_1","time":"\#(Self.now)"}]"#.utf8)
                let feed = try await w.server.request("POST", "/agentic/v1/exposures", key: w.platform, body: Data(row))
                #expect(feed.status == 400, "\(feed.text)")

                let sync = Array(#"{"event_sources":[{"event_source_id":"s"#.utf8) + bytes + Array(#""}]}"#.utf8)
                #expect(try await w.server.request("POST", "/agentic/v1/event-sources/sync", key: w.acme, body: Data(sync)).status == 400)
            }
            #expect(try await storedEvents(w) == 0)
            #expect(try await w.server.census().exposures == 0)
        }
    }

    /// The MCP door and sync read JSON as strictly as log_event: no
    /// byte-order mark, no UTF-16, no trailing commas, no repeated members.
    @Test func mcpAndSyncRefuseWhatStrictJSONRefuses() async throws {
        try await AttributionTests.world { w in
            let list = #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#
            #expect(try await mcp(w, Data(list.utf8)).status == 200, "the well-formed call works")
            let variants: [Data] = [
                Data([0xEF, 0xBB, 0xBF] + Array(list.utf8)),
                Data([0xFE, 0xFF]) + (list.data(using: .utf16BigEndian) ?? Data()),
                Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{},}"#.utf8),
                Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sync_event_sources","arguments":{"event_sources":[1,2,]}}}"#.utf8),
                Data(#"{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/list","params":{}}"#.utf8),
                Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_media_buy_delivery","arguments":{"x":NaN}}}"#.utf8),
            ]
            for body in variants {
                let reply = try await mcp(w, body)
                #expect(reply.json["error"]?["code"]?.intValue == -32700, "\(String(decoding: body, as: UTF8.self)): \(reply.text)")
            }
            for sync in [#"{"event_sources":[{"event_source_id":"s1"},]}"#, #"{"event_sources":[{"event_source_id":"s1","event_source_id":"s2"}]}"#,
                         "\u{FEFF}{\"event_sources\":[]}"] {
                let reply = try await w.server.request("POST", "/agentic/v1/event-sources/sync", key: w.acme, body: Data(sync.utf8))
                #expect(reply.status == 400, "\(sync): \(reply.text)")
                #expect(reply.firstError?["message"]?.stringValue == "Invalid JSON payload")
            }
            let sources = try await w.server.request("POST", "/agentic/v1/event-sources/sync", key: w.acme, body: Data("{}".utf8))
            #expect(sources.text.contains("\"s1\"") == false)
        }
    }

    // MARK: Amounts

    /// Values and costs beyond the documented maximum are refused, and a
    /// report over what was accepted stays a finite JSON document.
    @Test func hugeAmountsAreRefusedAndReportsStayFinite() async throws {
        try await AttributionTests.world { w in
            let huge = try await logEvent(w, #"{"event_source_id":"web","events":[\#(event("v1", customData: #"{"value":1e308,"currency":"USD"}"#)),\#(event("v2", customData: #"{"value":1e308,"currency":"USD"}"#))]}"#)
            #expect(huge.status == 400)
            #expect(huge.firstError?["field"]?.stringValue == "events[0].custom_data.value", "\(huge.text)")
            let price = try await logEvent(w, #"{"event_source_id":"web","events":[\#(event("v3", customData: #"{"contents":[{"id":"a","price":1e300}]}"#))]}"#)
            #expect(price.firstError?["field"]?.stringValue == "events[0].custom_data.contents[0].price", "\(price.text)")

            func row(_ id: String, cost: String, type: String = "click") -> String {
                #"{"exposure_id":"\#(id)","type":"\#(type)","media_buy_id":"mb_a","package_id":"pkg_1","creative_id":"cr_1","time":"2026-11-27T11:00:00Z","cost":\#(cost),"click_id":"clk_\#(id)"}"#
            }
            let feed = try await w.server.request("POST", "/agentic/v1/exposures", key: w.platform,
                                                  body: Data("[\(row("c1", cost: "1e308")),\(row("c2", cost: "1e308")),\(row("c3", cost: "5e-324"))]".utf8))
            #expect(feed.status == 200, "\(feed.text)")
            #expect(feed.json["exposures_processed"]?.intValue == 1)
            #expect(feed.json["failures"]?[0]?["field"]?.stringValue == "cost")
            let sale = try await logEvent(w, #"{"event_source_id":"web","events":[\#(event("s1", userMatch: #"{"click_id":"clk_c3","click_id_type":"sc3clid"}"#, customData: #"{"value":1000000000000,"currency":"USD"}"#))]}"#)
            #expect(sale.status == 200)
            try await AttributionTests.attributeUntilIdle(w.server.store)

            let report = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a", key: w.acme)
            #expect(report.status == 200)
            #expect(report.json["rows"] != nil || report.json != .null, "\(report.text)")
            #expect(!report.text.contains("null") || report.json != .null)
            let delivery = try await w.server.request("POST", "/agentic/v1/delivery", key: w.acme, body: Data("{}".utf8))
            #expect(delivery.status == 200, "\(delivery.text)")
            #expect(delivery.json["aggregated_totals"]?["conversion_value"]?.doubleValue == 1_000_000_000_000, "\(delivery.text)")
            let csv = try await w.server.request("GET", "/agentic/v1/reports/delivery?media_buy_id=mb_a&format=csv", key: w.acme)
            #expect(!csv.text.contains("inf") && !csv.text.contains("nan"), "\(csv.text)")
        }
    }

    // MARK: The exposure feed's types

    /// Identifiers of the wrong JSON type fail their row, named by field.
    @Test func theExposureFeedRefusesWrongTypes() async throws {
        try await AttributionTests.world { w in
            var rows: [String] = []
            var expected: [String] = []
            for field in ["click_id", "hashed_email", "hashed_phone", "uids", "client_ip", "client_user_agent"] {
                for value in ["true", "0", "1.5", "[]", "{}"] where !(field == "uids" && value == "[]") {
                    rows.append(#"{"exposure_id":"x\#(rows.count)","type":"click","media_buy_id":"mb_a","package_id":"pkg_1","creative_id":"cr_1","time":"2026-11-27T11:00:00Z","\#(field)":\#(value)}"#)
                    expected.append(field)
                }
            }
            rows.append(#"{"exposure_id":"u1","type":"click","media_buy_id":"mb_a","package_id":"pkg_1","creative_id":"cr_1","time":"2026-11-27T11:00:00Z","uids":[{"type":"rampid","value":7}]}"#)
            expected.append("uids[0].value")
            rows.append(#"{"exposure_id":"ok","type":"click","media_buy_id":"mb_a","package_id":"pkg_1","creative_id":"cr_1","time":"2026-11-27T11:00:00Z","click_id":"k1"}"#)
            let reply = try await w.server.request("POST", "/agentic/v1/exposures", key: w.platform, body: Data("[\(rows.joined(separator: ","))]".utf8))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["exposures_processed"]?.intValue == 1)
            let failures = reply.json["failures"]?.arrayValue ?? []
            #expect(failures.map { $0["field"]?.stringValue ?? "?" } == expected, "\(reply.text)")
            #expect(try await w.server.census().exposures == 1)
        }
    }

    // MARK: Accounts

    /// `account` naming another account is refused on both doors, as sync refuses it.
    @Test func logEventRefusesAnotherAccount() async throws {
        try await AttributionTests.world { w in
            let body = #"{"account":{"account_id":"globex"},"event_source_id":"web","events":[\#(event("a1"))]}"#
            let rest = try await logEvent(w, body)
            #expect(rest.status == 403, "\(rest.text)")
            #expect(rest.firstError?["code"]?.stringValue == "PERMISSION_DENIED")
            #expect(rest.firstError?["field"]?.stringValue == "account.account_id")
            let rpc = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"log_event","arguments":\#(body)}}"#
            let viaMCP = try await mcp(w, Data(rpc.utf8))
            #expect(viaMCP.json["result"]?["isError"] == .bool(true), "\(viaMCP.text)")
            #expect(viaMCP.json["result"]?["structuredContent"]?["adcp_error"]?["code"]?.stringValue == "PERMISSION_DENIED")
            #expect(try await storedEvents(w) == 0)
            let own = try await logEvent(w, #"{"account":{"account_id":"acme"},"event_source_id":"web","events":[\#(event("a2"))]}"#)
            #expect(own.status == 200, "\(own.text)")
        }
    }
}
