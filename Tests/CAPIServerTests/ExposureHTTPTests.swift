import CAPICore
import CAPIServer
import Foundation
import Testing

/// Signed links, the pixel, the exposure feed, media buys and key roles.
@Suite struct ExposureHTTPTests {
    typealias World = AttributionTests.World
    let signer = LinkSigner(secret: AttributionTests.secret)

    func clickPath(_ creative: String = "cr_1", package: String = "pkg_1") -> String {
        "/agentic/v1/click/mb_a/\(package)/\(creative)"
    }

    func signed(_ path: String, _ params: [(String, String)]) -> String {
        let url = signer.signedURL(base: "", path: path, parameters: params)
        return url
    }

    @Test func aSignedClickRedirectsToTheRegisteredPageWithAFreshSc3clid() async throws {
        try await AttributionTests.world { w in
            let email = AttributionScenario.sha("click@example")
            let target = signed(clickPath(), [("hashed_email", email), ("uid.rampid", "XY123"), ("cost", "0.42")])
            let first = try await RawHTTP.get(port: w.server.port, target, headers: ["User-Agent": "TestBrowser/1"])
            #expect(first.status == 302)
            let location = try #require(first.headers["location"])
            #expect(location.hasPrefix("https://shop.example.com/bf?utm=x&sc3clid="), "existing query kept")
            #expect(location.hasSuffix("#top"), "fragment kept after the new parameter")
            let clickID = String(location.split(separator: "=").last?.split(separator: "#").first ?? "")
            #expect(clickID.count >= 22, "at least 128 bits, URL-safe")
            #expect(clickID.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            let second = try await RawHTTP.get(port: w.server.port, target)
            #expect(second.headers["location"] != location, "every click gets its own sc3clid")

            let plain = try await RawHTTP.get(port: w.server.port, signed(clickPath("cr_2"), []))
            #expect(plain.headers["location"]?.hasPrefix("https://shop.example.com/bf?sc3clid=") == true)

            #expect(try await w.server.census().exposures == 3, "no other account's")
            let stored = try await w.server.storedExposures("acme").map(\.exposure)
            #expect(stored.filter { $0.kind == .click }.count == 3)
            #expect(stored.filter { $0.clickID == clickID }.count == 1)
            #expect(stored.filter { $0.cost == 0.42 }.count == 2)

            // The conversion that carries it, a while later, is attributed to that click.
            w.server.clock.advance(seconds: 600)
            let event = w.server.purchase("from-click", extra: ["user_match": .object(["click_id": .string(clickID), "click_id_type": .string("sc3clid")])])
            _ = try await w.server.logEvents(key: w.acme, source: "web", [event])
            try await AttributionTests.attributeUntilIdle(w.server.store)
            let explained = try await w.server.request("GET", "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=from-click", key: w.acme)
            #expect(explained.json["attribution"]?["matched_by"]?.stringValue == "sc3clid")
            #expect(explained.json["attribution"]?["exposure"]?["creative_id"]?.stringValue == "cr_1")
        }
    }

    @Test func unsignedOrTamperedLinksAre403AndNeverRedirect() async throws {
        try await AttributionTests.world { w in
            let good = signed(clickPath(), [("hashed_email", AttributionScenario.sha("x"))])
            let cases = [
                clickPath(),                                                     // no signature
                good.replacingOccurrences(of: "cr_1", with: "cr_2"),             // other creative
                good + "&redirect=https%3A%2F%2Fevil.example",                   // extra parameter
                good.replacingOccurrences(of: "sig=", with: "sig=00"),           // altered signature
                clickPath() + "?url=https%3A%2F%2Fevil.example&sig=deadbeef",    // open-redirect attempt
            ]
            for target in cases {
                let answer = try await RawHTTP.get(port: w.server.port, target)
                #expect(answer.status == 403, "\(target)")
                #expect(answer.headers["location"] == nil)
            }
            let unknown = try await RawHTTP.get(port: w.server.port, signed(clickPath("cr_9"), []))
            #expect(unknown.status == 404, "a signed link to an unregistered creative is not redirected")
            #expect(unknown.headers["location"] == nil)
            #expect(try await w.server.census().exposures == 0)
        }
    }

    @Test func theImpressionPixelIsAnUncachedGIF() async throws {
        try await AttributionTests.world { w in
            let path = "/agentic/v1/impression/mb_a/pkg_2/cr_3"
            let answer = try await RawHTTP.get(port: w.server.port, signed(path, [("imp", "imp-77"), ("uid.id5", "ID5-abc")]))
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"] == "image/gif")
            #expect(answer.headers["cache-control"]?.contains("no-store") == true)
            #expect(Array(answer.body.prefix(6)) == Array("GIF89a".utf8))
            #expect(answer.body.count == 43)
            _ = try await RawHTTP.get(port: w.server.port, signed(path, [("imp", "imp-77"), ("uid.id5", "ID5-abc")]))
            let stored = try await w.server.storedExposures("acme").map(\.exposure)
            #expect(stored.filter { $0.kind == .impression && $0.exposureID == "imp-77" }.count == 1, "deduplicated by imp")
            let bad = try await RawHTTP.get(port: w.server.port, path + "?imp=imp-78")
            #expect(bad.status == 403)
        }
    }

    @Test func linksAreOffWithoutASecret() async throws {
        try await TestServer.run { server in
            let answer = try await RawHTTP.get(port: server.port, "/agentic/v1/click/mb/p/c?sig=00")
            #expect(answer.status == 503)
        }
    }

    @Test func theFeedDeduplicatesAndReportsBadRows() async throws {
        try await AttributionTests.world { w in
            func row(_ id: String, _ extra: [String: JSONValue] = [:]) -> JSONValue {
                var o: [String: JSONValue] = [
                    "exposure_id": .string(id), "type": .string("impression"), "media_buy_id": .string("mb_a"),
                    "package_id": .string("pkg_1"), "creative_id": .string("cr_1"), "time": .string("2026-11-27T10:00:00Z"),
                ]
                for (k, v) in extra { o[k] = v }
                return .object(o)
            }
            let rows: [JSONValue] = [
                row("e1"), row("e1"), row("e2", ["cost": .number(1.5)]),
                row("e3", ["media_buy_id": .string("mb_x")]),
                row("e4", ["creative_id": .string("cr_3")]),
                row("e5", ["type": .string("view")]),
                row("e6", ["time": .string("yesterday")]),
                row("e7", ["hashed_email": .string("plain@example.com")]),
                row("e8", ["media_buy_id": .string("mb_b"), "package_id": .string("pkg_b"), "creative_id": .string("cr_b")]),
            ]
            let reply = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array(rows))
            #expect(reply.status == 200)
            #expect(reply.json["exposures_received"]?.intValue == 9)
            #expect(reply.json["exposures_processed"]?.intValue == 4)
            #expect(reply.json["duplicates"]?.intValue == 1)
            let fields = reply.json["failures"]?.arrayValue?.map { "\($0["index"]?.intValue ?? -1):\($0["field"]?.stringValue ?? "")" }
            #expect(fields == ["3:media_buy_id", "4:creative_id", "5:type", "6:time", "7:hashed_email"])
            #expect(try await w.server.census("acme").exposures == 2)
            #expect(try await w.server.census("globex").exposures == 1, "the buy decides the account")
            #expect(try await w.server.storedExposures("globex").map(\.exposure.exposureID) == ["e8"])

            let again = try await w.server.post("/agentic/v1/exposures", key: w.platform, json: .array([row("e1"), row("e9")]))
            #expect(again.json["duplicates"]?.intValue == 1)
            let malformed = try await w.server.request("POST", "/agentic/v1/exposures", key: w.platform, body: Data("[{".utf8))
            #expect(malformed.status == 400)
        }
    }

    /// Each member of the wrong kind fails its own row, named by its field;
    /// null is an absent member and unknown members are ignored.
    @Test func theFeedNamesEachMistypedMember() async throws {
        try await AttributionTests.world { w in
            let base = #""type":"impression","media_buy_id":"mb_a","package_id":"pkg_1","creative_id":"cr_1","time":"2026-11-27T10:00:00Z""#
            let rows = [
                #"{"exposure_id":"t0",\#(base),"cost":"1.5"}"#,
                #"{"exposure_id":7,\#(base)}"#,
                #"{"exposure_id":"t2",\#(base),"uids":{"type":"rampid"}}"#,
                #"{"exposure_id":"t3",\#(base),"uids":["rampid"]}"#,
                #"{"exposure_id":"t4",\#(base),"uids":[{"type":"rampid","value":5}]}"#,
                #"{"exposure_id":"t5",\#(base),"client_ip":["1.2.3.4"]}"#,
                #"["t6"]"#,
                #"{"exposure_id":"t7",\#(base),"hashed_email":null,"cost":null,"note":{"any":[1,2]},"uids":null}"#,
            ]
            let reply = try await w.server.request(
                "POST", "/agentic/v1/exposures", key: w.platform, body: Data(rows.joined(separator: "\n").utf8),
                contentType: "application/x-ndjson")
            #expect(reply.status == 200)
            #expect(reply.json["exposures_processed"]?.intValue == 1)
            let fields = reply.json["failures"]?.arrayValue?.map { "\($0["index"]?.intValue ?? -1):\($0["field"]?.stringValue ?? "")" }
            #expect(fields == ["0:cost", "1:exposure_id", "2:uids", "3:uids[0]", "4:uids[0].value", "5:client_ip", "6:"])
            #expect(try await w.server.storedExposures("acme").map(\.exposure.exposureID) == ["t7"])
        }
    }

    /// A feed longer than one run is stored in several transactions: rows
    /// repeated across runs are stored once, failures keep the feed's own
    /// indexes, and a syntax error at the very end stores nothing at all.
    @Test func aFeedOfSeveralRunsCountsAcrossThem() async throws {
        try await AttributionTests.world { w in
            let count = ConversionService.exposureRun * 2 + 500
            func row(_ n: Int) -> String {
                // Every row of the second run repeats one of the first; one row is bad.
                let id = n >= ConversionService.exposureRun && n < 2 * ConversionService.exposureRun ? n - ConversionService.exposureRun : n
                let time = n == count - 1 ? "soon" : "2026-11-27T10:00:00Z"
                return #"{"exposure_id":"f\#(id)","type":"impression","media_buy_id":"mb_a","package_id":"pkg_1","creative_id":"cr_1","time":"\#(time)"}"#
            }
            let body = (0..<count).map(row).joined(separator: "\n")
            let broken = try await w.server.request(
                "POST", "/agentic/v1/exposures", key: w.platform, body: Data((body + "\n{").utf8),
                contentType: "application/x-ndjson")
            #expect(broken.status == 400)
            #expect(try await w.server.census("acme").exposures == 0)

            let reply = try await w.server.request(
                "POST", "/agentic/v1/exposures", key: w.platform, body: Data(body.utf8),
                contentType: "application/x-ndjson")
            #expect(reply.status == 200)
            #expect(reply.json["exposures_received"]?.intValue == count)
            #expect(reply.json["exposures_processed"]?.intValue == count - 1)
            #expect(reply.json["duplicates"]?.intValue == ConversionService.exposureRun)
            #expect(reply.json["failures"]?.arrayValue?.first?["index"]?.intValue == count - 1)
            #expect(try await w.server.census("acme").exposures == count - 1 - ConversionService.exposureRun)
        }
    }

    @Test func theFeedHonoursItsRowLimit() async throws {
        try await TestServer.run(configure: { $0.maxExposuresPerRequest = 2; $0.attributionIntervalSeconds = 0 }) { server in
            let platform = try await server.platformKey()
            let rows = JSONValue.array((0..<3).map { _ in .object([:]) })
            let reply = try await server.post("/agentic/v1/exposures", key: platform, json: rows)
            #expect(reply.status == 400)
            #expect(reply.firstError?["field"]?.stringValue == "exposures")
        }
    }

    @Test func eachDoorChecksTheKeysRole() async throws {
        try await AttributionTests.world { w in
            let feed = try await w.server.post("/agentic/v1/exposures", key: w.acme, json: .array([]))
            #expect(feed.status == 403)
            #expect(feed.firstError?["code"]?.stringValue == "PERMISSION_DENIED")
            let buy = try await w.server.put("/agentic/v1/media-buys/mb_z", key: w.acme, json: .object([:]))
            #expect(buy.status == 403)
            let events = try await w.server.logEvents(key: w.platform, source: "web", [w.server.purchase("r")])
            #expect(events.status == 403)
            let sync = try await w.server.sync(key: w.platform, nil)
            #expect(sync.status == 403)
        }
    }

    @Test func mediaBuysAreReadByTheirOwnerAndCannotChangeHands() async throws {
        try await AttributionTests.world { w in
            let own = try await w.server.request("GET", "/agentic/v1/media-buys/mb_a", key: w.acme)
            #expect(own.status == 200)
            #expect(own.json["packages"]?[0]?["creatives"]?[0]?["landing_url"]?.stringValue == "https://shop.example.com/bf?utm=x#top")
            let foreign = try await w.server.request("GET", "/agentic/v1/media-buys/mb_a", key: w.globex)
            #expect(foreign.status == 404)
            let list = try await w.server.request("GET", "/agentic/v1/media-buys?account_id=acme", key: w.platform)
            #expect(list.json["media_buys"]?.arrayValue?.map { $0["media_buy_id"]?.stringValue ?? "" } == ["mb_a"])
            let mine = try await w.server.request("GET", "/agentic/v1/media-buys", key: w.globex)
            #expect(mine.json["media_buys"]?.arrayValue?.map { $0["media_buy_id"]?.stringValue ?? "" } == ["mb_b"])

            let takeover: JSONValue = .object([
                "account_id": .string("globex"), "currency": .string("EUR"),
                "packages": .array([.object(["package_id": .string("p"), "creatives": .array([])])]),
            ])
            let conflict = try await w.server.put("/agentic/v1/media-buys/mb_a", key: w.platform, json: takeover)
            #expect(conflict.status == 409)
            let invalid = try await w.server.put("/agentic/v1/media-buys/mb_c", key: w.platform, json: .object([
                "account_id": .string("acme"), "currency": .string("usd"),
                "packages": .array([.object(["package_id": .string("p"), "creatives": .array([
                    .object(["creative_id": .string("c"), "landing_url": .string("javascript:alert(1)")]),
                ])])]),
            ]))
            #expect(invalid.status == 400)
            #expect(invalid.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["currency", "packages[0].creatives[0].landing_url"])
            let updated = try await w.server.put("/agentic/v1/media-buys/mb_b", key: w.platform, json: .object([
                "account_id": .string("globex"), "currency": .string("EUR"), "name": .string("Renamed"),
                "packages": .array([.object(["package_id": .string("pkg_b"), "creatives": .array([
                    .object(["creative_id": .string("cr_b"), "landing_url": .string("https://globex.example/")]),
                ])])]),
            ]))
            #expect(updated.status == 200)
        }
    }

    @Test func attributionWindowsInExtAreCheckedAtSync() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let reply = try await server.sync(key: key, [.object([
                "event_source_id": .string("s"),
                "ext": .object(["attribution_window": .object(["post_view": .object(["interval": .number(0), "unit": .string("days")])])]),
            ])])
            #expect(reply.json["event_sources"]?[0]?["action"]?.stringValue == "failed")
            #expect(reply.json["event_sources"]?[0]?["errors"]?[0]?["field"]?.stringValue == "event_sources[0].ext.attribution_window.post_view.interval")
        }
    }
}
