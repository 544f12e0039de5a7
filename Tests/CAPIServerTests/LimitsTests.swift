import CAPICore
@testable import CAPIServer
import Foundation
import Synchronization
import Testing

/// Each limit of a running server triggers, over real HTTP and TCP, and a
/// well-behaved client never meets one at the defaults.
@Suite struct LimitsTests {
    static let source: JSONValue = .object([
        "event_source_id": .string("web"), "event_types": .array([.string("purchase")]),
    ])

    static func expectRateLimited(_ reply: TestServer.Reply) {
        #expect(reply.status == 429)
        #expect(reply.firstError?["code"] == .string("RATE_LIMITED"), "\(reply.text)")
        #expect(reply.firstError?["recovery"] == .string("transient"))
        let seconds = reply.firstError?["retry_after"]?.intValue ?? 0
        #expect((1...3600).contains(seconds))
        #expect(reply.headers["retry-after"] == "\(seconds)")
    }

    /// Rates in these tests are tiny and buckets sized by burst, so a slow,
    /// busy machine does not refill them while the test runs.
    @Test func aKeyOverItsRequestRateGets429WithRetryAfter() async throws {
        try await TestServer.run(configure: { $0.rateLimitRequestsPerSecond = 0.001; $0.rateLimitBurstSeconds = 2_000 }) { server in
            let key = try await server.account("acme")
            let other = try await server.account("other")
            var statuses: [Int] = []
            for _ in 0..<2 {
                statuses.append(try await server.request("GET", "/agentic/v1/event-sources/web", key: key).status)
            }
            #expect(statuses.prefix(2).allSatisfy { $0 != 429 })
            Self.expectRateLimited(try await server.request("GET", "/agentic/v1/event-sources/web", key: key))
            // Another key has its own bucket.
            #expect(try await server.request("GET", "/agentic/v1/event-sources/web", key: other).status != 429)
        }
    }

    @Test func aKeyOverItsEventRateGets429OnREST() async throws {
        try await TestServer.run(configure: {
            $0.rateLimitEventsPerSecond = 0.001; $0.rateLimitBurstSeconds = 10_000; $0.maxEventsPerBatch = 5
        }) { server in
            let key = try await server.account("acme")
            #expect(try await server.sync(key: key, [Self.source]).status == 200)
            // The bucket holds 10 events and refills one in 1,000 s: a slow
            // machine does not refill it during the test.
            for batch in 0..<2 {
                let events = (0..<5).map { server.purchase("e\(batch)-\($0)") }
                #expect(try await server.logEvents(key: key, source: "web", events).status == 200)
            }
            let refused = try await server.logEvents(key: key, source: "web", (0..<5).map { server.purchase("late-\($0)") })
            Self.expectRateLimited(refused)
            #expect(try await server.census().events == 10)
        }
    }

    /// On MCP the events limit is a tool result, as every AdCP failure of a
    /// tool is: `isError` with `adcp_error.code` RATE_LIMITED.
    @Test func aKeyOverItsEventRateGetsAnAdCPToolErrorOnMCP() async throws {
        try await TestServer.run(configure: {
            $0.rateLimitEventsPerSecond = 0.001; $0.rateLimitBurstSeconds = 3_000; $0.maxEventsPerBatch = 3
        }) { server in
            let key = try await server.account("acme")
            #expect(try await server.sync(key: key, [Self.source]).status == 200)
            func call(_ prefix: String) async throws -> TestServer.Reply {
                let events = (0..<3).map { server.purchase("\(prefix)-\($0)") }
                let arguments = JSONValue.object(["event_source_id": .string("web"), "events": .array(events)])
                let rpc = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"log_event","arguments":"#
                    + arguments.canonicalText + "}}"
                return try await server.request(
                    "POST", "/mcp", key: key, body: Data(rpc.utf8), headers: ["Accept": "application/json, text/event-stream"])
            }
            let first = try await call("a")
            #expect(first.json["result"]?["isError"] == .bool(false), "\(first.text)")
            let second = try await call("b")
            #expect(second.status == 200)
            let result = second.json["result"]
            #expect(result?["isError"] == .bool(true), "\(second.text)")
            #expect(result?["structuredContent"]?["adcp_error"]?["code"] == .string("RATE_LIMITED"))
            #expect((result?["structuredContent"]?["adcp_error"]?["retry_after"]?.intValue ?? 0) >= 1)
        }
    }

    /// A second request of a key while its first is still in progress (its
    /// body still arriving) is refused, not queued; the first completes.
    @Test func aKeyOverItsInFlightBoundGets429() async throws {
        try await TestServer.run(configure: { $0.maxInFlightPerKey = 1 }) { server in
            let key = try await server.account("acme")
            #expect(try await server.sync(key: key, [Self.source]).status == 200)
            let body = Array(JSONValue.object(["event_source_id": .string("web"), "events": .array([server.purchase("slow")])]).canonicalText.utf8)
            let started = Atomic<Bool>(false)
            let refusal = Mutex<TestServer.Reply?>(nil)
            async let slow: RawHTTP.Answer = RawConnection.run(port: server.port) { connection in
                try connection.send("POST /agentic/v1/capi HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
                try connection.send(Array(body.prefix(10)))
                started.store(true, ordering: .relaxed)
                while refusal.withLock({ $0 == nil }) { RawConnection.pause(0.02) }
                try connection.send(Array(body.dropFirst(10)))
                return try connection.readAnswer(timeout: 15)
            }
            while !started.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(100))
            let second = try await server.request("GET", "/agentic/v1/event-sources/web", key: key)
            refusal.withLock { $0 = second }
            Self.expectRateLimited(second)
            #expect(try await slow.status == 200)
            #expect(try await server.request("GET", "/agentic/v1/event-sources/web", key: key).status == 200)
        }
    }

    /// At the defaults, clients sending as fast as they can from one key
    /// (eight at a time, small and 1,000-event batches) are never refused.
    @Test func aWellBehavedClientIsNeverLimited() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            #expect(try await server.sync(key: key, [Self.source]).status == 200)
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var seen: [Int] = []
                        for n in 0..<25 {
                            let size = n == 0 ? 1_000 : 5
                            let events = (0..<size).map { server.purchase("c\(client)-\(n)-\($0)") }
                            seen.append(try await server.logEvents(key: key, source: "web", events).status)
                        }
                        return seen
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.count == 200)
            #expect(statuses.allSatisfy { $0 == 200 })
        }
    }

    /// The default buckets take the benchmark's pace with room to spare: one
    /// key, 100 batches of 1,000 events a second, for a simulated minute.
    @Test func theDefaultBucketsTakeASustainedHundredThousandEventsASecond() {
        let clock = Mutex(0.0)
        let limiter = KeyRateLimiter(
            limits: .init(requestsPerSecond: 1_000, eventsPerSecond: 1_000_000, burstSeconds: 2, maxInFlight: 256, maxEventsPerBatch: 10_000),
            now: { clock.withLock { $0 } })
        let defaults = CAPISettings()
        #expect(defaults.rateLimitRequestsPerSecond == 1_000 && defaults.rateLimitEventsPerSecond == 1_000_000)
        var refused = 0
        for tick in 0..<6_000 {
            clock.withLock { $0 = Double(tick) / 100 }
            if limiter.admitRequest(key: "scope3_abcdefg") != nil { refused += 1; continue }
            if limiter.chargeEvents(1_000, key: "scope3_abcdefg") != nil { refused += 1 }
            limiter.finished(key: "scope3_abcdefg")
        }
        #expect(refused == 0)
    }

    @Test func aHeadLargerThanTheLimitGets431() async throws {
        try await TestServer.run(configure: { $0.maxHeaderBytes = 1_024 }) { server in
            let padding = String(repeating: "a", count: 2_000)
            let answer = try await HostileInputTests.exchange(server, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: \(padding)\r\n\r\n")
            HostileInputTests.expectAdCPError(answer, status: 431)
            let small = try await RawHTTP.get(port: server.port, "/healthz", headers: ["X-Padding": "small"])
            #expect(small.status == 200)
        }
    }

    @Test func aTargetLongerThanTheLimitGets414() async throws {
        try await TestServer.run(configure: { $0.maxURLBytes = 100 }) { server in
            let answer = try await HostileInputTests.exchange(
                server, "GET /healthz?\(String(repeating: "q", count: 200)) HTTP/1.1\r\nHost: x\r\n\r\n")
            HostileInputTests.expectAdCPError(answer, status: 414)
        }
    }

    /// Past `maxConnections`, a connection's request is answered 503 with
    /// Retry-After and closed; once one closes, the next is served.
    @Test func aConnectionPastTheLimitGets503() async throws {
        // Held connections must outlast a slow machine: no head deadline to speak of.
        try await TestServer.run(configure: { $0.maxConnections = 2; $0.headerTimeoutSeconds = 120 }) { server in
            let port = server.port
            let outcome = try await RawConnection.run(port: port) { first -> (Int, Int) in
                let second = try RawHTTP.connected(port: port)
                defer { close(second) }
                RawConnection.pause(0.1)
                let third = try RawHTTP.blockingGet(port: port, "/healthz", headers: [:])
                #expect(third.headers["retry-after"] == "1")
                #expect(third.json["errors"]?[0]?["code"] == .string("SERVICE_UNAVAILABLE"))
                return (third.status, 0)
            }
            #expect(outcome.0 == 503)
            // Both held connections are closed now: the next is served.
            var status = 0
            for _ in 0..<20 where status != 200 {
                status = try await RawHTTP.get(port: port, "/healthz").status
                if status != 200 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(status == 200)
        }
    }

    /// Deadlines short enough for a test to wait them out.
    static func quick(_ settings: inout CAPISettings) {
        settings.headerTimeoutSeconds = 0.3
        settings.bodyTimeoutSeconds = 0.3
        settings.minBodyBytesPerSecond = 1_000
        settings.idleTimeoutSeconds = 0.8
    }

    /// A connection that sends nothing is closed, without a word.
    @Test func aSilentConnectionIsClosed() async throws {
        try await TestServer.run(configure: { Self.quick(&$0) }) { server in
            let (bytes, closed) = try await RawConnection.run(port: server.port) { $0.readUntilClosed(timeout: 2) }
            #expect(closed)
            #expect(bytes.isEmpty)
        }
    }

    /// Headers that stop half-way, or trickle in a byte at a time, get a 408.
    @Test func headersThatStopOrTrickleGet408() async throws {
        try await TestServer.run(configure: { Self.quick(&$0) }) { server in
            let stopped = try await HostileInputTests.exchange(server, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
            HostileInputTests.expectAdCPError(stopped, status: 408)
            let trickled = try await RawConnection.run(port: server.port) { connection -> RawHTTP.Answer? in
                for byte in "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnop".utf8 {
                    guard (try? connection.send([byte])) != nil else { break }
                    RawConnection.pause(0.05)
                    var poller = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
                    if poll(&poller, 1, 0) > 0 { break }
                }
                return RawHTTP.Answer.parse(connection.readUntilClosed(timeout: 2).bytes)
            }
            HostileInputTests.expectAdCPError(trickled, status: 408)
        }
    }

    /// A body that trickles slower than `minBodyBytesPerSecond` gets a 408
    /// and nothing is stored.
    @Test func aTricklingBodyGets408() async throws {
        try await TestServer.run(configure: { Self.quick(&$0) }) { server in
            let key = try await server.account("acme")
            #expect(try await server.sync(key: key, [Self.source]).status == 200)
            let body = Array(JSONValue.object(["event_source_id": .string("web"), "events": .array([server.purchase("t")])]).canonicalText.utf8)
            let started = ContinuousClock.now
            let answer = try await RawConnection.run(port: server.port) { connection -> RawHTTP.Answer? in
                try connection.send("POST /agentic/v1/capi HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
                for byte in body {
                    guard (try? connection.send([byte])) != nil else { break }
                    RawConnection.pause(0.05)
                    var poller = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
                    if poll(&poller, 1, 0) > 0 { break }
                }
                return RawHTTP.Answer.parse(connection.readUntilClosed(timeout: 2).bytes)
            }
            HostileInputTests.expectAdCPError(answer, status: 408)
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(try await server.census().events == 0)
        }
    }

    /// A kept-alive connection is served, then closed once idle.
    @Test func anIdleKeptAliveConnectionIsClosed() async throws {
        try await TestServer.run(configure: { Self.quick(&$0) }) { server in
            let (status, closed) = try await RawConnection.run(port: server.port) { connection -> (Int, Bool) in
                try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                let first = try connection.readAnswer(timeout: 2)
                RawConnection.pause(0.15)
                // Still open within the idle timeout: a second request is served.
                try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                let second = try connection.readAnswer(timeout: 2)
                #expect(second.status == 200)
                let (rest, closed) = connection.readUntilClosed(timeout: 2)
                #expect(rest.isEmpty)
                return (first.status, closed)
            }
            #expect(status == 200)
            #expect(closed)
        }
    }

    /// A body sent in pieces, at a fair pace, is not cut off.
    @Test func aBodyInPiecesAtAFairPaceIsServed() async throws {
        try await TestServer.run(configure: { Self.quick(&$0); $0.headerTimeoutSeconds = 5; $0.bodyTimeoutSeconds = 5 }) { server in
            let key = try await server.account("acme")
            #expect(try await server.sync(key: key, [Self.source]).status == 200)
            let body = Array(JSONValue.object(["event_source_id": .string("web"), "events": .array([server.purchase("p")])]).canonicalText.utf8)
            let answer = try await RawConnection.run(port: server.port) { connection -> RawHTTP.Answer in
                try connection.send("POST /agentic/v1/capi HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n")
                try connection.send(Array(body.prefix(body.count / 2)))
                RawConnection.pause(0.1)
                try connection.send(Array(body.dropFirst(body.count / 2)))
                return try connection.readAnswer(timeout: 10)
            }
            #expect(answer.status == 200)
        }
    }
}
