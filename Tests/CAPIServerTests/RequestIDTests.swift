import CAPICore
import Foundation
import Synchronization
import Testing

/// Every answer carries `X-Request-Id`; a failure the service maps is
/// logged once, with that id.
@Suite struct RequestIDTests {
    func isMinted(_ id: String?) -> Bool {
        guard let id else { return false }
        return id.utf8.count == 16 && id.allSatisfy { $0.isHexDigit }
    }

    @Test func everyAnswerCarriesAnIDOnBothDoors() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let ok = try await server.request("GET", "/agentic/v1/media-buys", key: key)
            #expect(ok.status == 200)
            let refused = try await server.request("GET", "/agentic/v1/event-sources/nope", key: key)
            #expect(refused.status == 404)
            let unauthenticated = try await server.request("GET", "/agentic/v1/media-buys")
            #expect(unauthenticated.status == 401)
            let mcpOK = try await server.mcpCall(key: key, tool: "get_adcp_capabilities", arguments: "{}")
            #expect(mcpOK.json["result"]?["isError"] == .bool(false))
            let mcpFailed = try await server.mcpCall(key: key, tool: "log_event", arguments: #"{"event_source_id":"nope","events":[]}"#)
            #expect(mcpFailed.json["result"]?["isError"] == .bool(true))
            let ids = [ok, refused, unauthenticated, mcpOK, mcpFailed].map { $0.headers["x-request-id"] }
            #expect(ids.allSatisfy(isMinted), "\(ids)")
            #expect(Set(ids).count == ids.count, "one id per request")
        }
    }

    @Test func aValidIncomingIDIsEchoedAndAnInvalidOneReplaced() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let echoed = try await server.request("GET", "/agentic/v1/media-buys", key: key, headers: ["X-Request-Id": "client-req:0001"])
            #expect(echoed.headers["x-request-id"] == "client-req:0001")
            let mcp = try await server.mcpCall(key: key, tool: "get_adcp_capabilities", arguments: "{}", headers: ["X-Request-Id": "mcp.req-7"])
            #expect(mcp.headers["x-request-id"] == "mcp.req-7")
            let replaced = try await server.request("GET", "/agentic/v1/media-buys", key: key, headers: ["X-Request-Id": "has space/and slash"])
            #expect(isMinted(replaced.headers["x-request-id"]))
        }
    }

    /// The store fails under a request, after its key was checked: every
    /// media-buy read throws (`FailingStore`, and why it is a wrapper).
    @Test func aStoreFailureIsLoggedOnceWithTheRequestID() async throws {
        let log = CapturedLog()
        let failing = Mutex<FailingStore?>(nil)
        try await TestServer.run(
            configure: { $0.attributionIntervalSeconds = 0 }, logger: log.logger(level: .info),
            wrapStore: { store in
                let wrapper = FailingStore(store)
                failing.withLock { $0 = wrapper }
                return wrapper
            }
        ) { server in
            let key = try await server.account("acme")
            let healthy = try await server.request("GET", "/agentic/v1/media-buys", key: key)
            #expect(healthy.status == 200, "the wrapper forwards until broken")
            try #require(failing.withLock { $0 }).breakMediaBuys()
            let rest = try await server.request("GET", "/agentic/v1/media-buys", key: key, headers: ["X-Request-Id": "broken-store-rest"])
            #expect(rest.status == 503)
            #expect(rest.firstError?["code"]?.stringValue == "SERVICE_UNAVAILABLE")
            #expect(rest.headers["retry-after"] == "1", "a client knows when to come back")
            #expect(rest.firstError?["recovery"]?.stringValue == "transient")
            #expect(rest.headers["x-request-id"] == "broken-store-rest")
            let mcp = try await server.mcpCall(
                key: key, tool: "get_media_buy_delivery", arguments: "{}", headers: ["X-Request-Id": "broken-store-mcp"])
            #expect(mcp.structured?["adcp_error"]?["code"]?.stringValue == "SERVICE_UNAVAILABLE")
            #expect(mcp.headers["x-request-id"] == "broken-store-mcp")
            let lines = log.text.split(separator: "\n").filter { $0.contains("service unavailable") }
            #expect(lines.filter { $0.contains("broken-store-rest") }.count == 1, "\(log.text)")
            #expect(lines.filter { $0.contains("broken-store-mcp") }.count == 1, "\(log.text)")
            #expect(lines.count == 2, "logged once each, where the service maps it")
            #expect(lines.allSatisfy { $0.hasPrefix("error") })
            #expect(!log.text.contains(key), "no key in a log line")
        }
    }
}
