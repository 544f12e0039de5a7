import CAPICore
import CAPIServer
import Foundation
import Testing

/// Requests that are not HTTP, or not a route: every answer is an AdCP
/// error object, over a real socket to a real server.
@Suite struct HostileInputTests {
    /// Sends `bytes` on a fresh connection (then, if asked, ends its input)
    /// and returns the one answer the server sends before it hangs up.
    static func exchange(_ server: TestServer, _ bytes: String, thenStop: Bool = false) async throws -> RawHTTP.Answer? {
        try await RawConnection.run(port: server.port) { connection in
            try connection.send(bytes)
            if thenStop { connection.finishSending() }
            let (received, closed) = connection.readUntilClosed(timeout: 3)
            #expect(closed, "the server should close the connection after a framing error")
            return RawHTTP.Answer.parse(received)
        }
    }

    static func expectAdCPError(_ answer: RawHTTP.Answer?, status: Int, code: String = "INVALID_REQUEST", field: String? = nil) {
        #expect(answer?.status == status)
        #expect(answer?.headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(answer?.firstError?["code"] == .string(code), "\(String(decoding: answer?.body ?? [], as: UTF8.self))")
        #expect(answer?.firstError?["message"]?.stringValue?.isEmpty == false)
        #expect(answer?.firstError?["recovery"] != nil)
        if let field { #expect(answer?.firstError?["field"] == .string(field)) }
    }

    @Test func anUnknownRouteIsAnAdCPNotFound() async throws {
        try await TestServer.run { server in
            let reply = try await server.request("GET", "/agentic/v1/nothing-here")
            #expect(reply.status == 404)
            #expect(reply.firstError?["code"] == .string("REFERENCE_NOT_FOUND"))
            #expect(reply.firstError?["recovery"] == .string("correctable"))
        }
    }

    @Test func aWrongMethodIsA405NamingTheAllowedOnes() async throws {
        try await TestServer.run { server in
            let reply = try await server.request("DELETE", "/agentic/v1/capi")
            #expect(reply.status == 405)
            #expect(reply.headers["allow"] == "POST")
            #expect(reply.firstError?["code"] == .string("INVALID_REQUEST"))
            let withParameter = try await server.request("POST", "/agentic/v1/event-sources/web")
            #expect(withParameter.status == 405)
            #expect(withParameter.headers["allow"] == "GET")
        }
    }

    @Test func aMalformedRequestLineIsAnAdCPBadRequest() async throws {
        try await TestServer.run { server in
            Self.expectAdCPError(try await Self.exchange(server, "NOT-HTTP AT ALL\r\n\r\n"), status: 400)
            Self.expectAdCPError(try await Self.exchange(server, "GET / HTTP/9.9\r\nHost: x\r\n\r\n"), status: 400)
        }
    }

    @Test func aMalformedHeaderIsAnAdCPBadRequest() async throws {
        try await TestServer.run { server in
            let answer = try await Self.exchange(server, "GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
            Self.expectAdCPError(answer, status: 400)
        }
    }

    @Test func aBadContentLengthIsRefused() async throws {
        try await TestServer.run { server in
            let head = "POST /agentic/v1/capi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            Self.expectAdCPError(
                try await Self.exchange(server, head + "Content-Length: twelve\r\n\r\n"), status: 400, field: "Content-Length")
            Self.expectAdCPError(
                try await Self.exchange(server, head + "Content-Length: -5\r\n\r\n"), status: 400, field: "Content-Length")
        }
    }

    @Test func aDuplicateContentLengthIsRefused() async throws {
        try await TestServer.run { server in
            let head = "POST /agentic/v1/capi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            for lengths in [("2", "2"), ("2", "3")] {
                let answer = try await Self.exchange(
                    server, head + "Content-Length: \(lengths.0)\r\nContent-Length: \(lengths.1)\r\n\r\n{}")
                Self.expectAdCPError(answer, status: 400, field: "Content-Length")
            }
        }
    }

    /// The client declares 500 bytes, sends 20 and stops sending: the server
    /// answers that the body is short, and stores nothing.
    @Test func aBodyShorterThanDeclaredIsAnAdCPBadRequest() async throws {
        try await TestServer.run { server in
            let key = try await server.account("acme")
            let answer = try await Self.exchange(
                server,
                "POST /agentic/v1/capi HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                    + #"{"event_source_id":"#,
                thenStop: true)
            Self.expectAdCPError(answer, status: 400, field: "Content-Length")
            #expect(try await server.census().events == 0)
        }
    }

    /// A route that throws answers with an AdCP error too, not an empty body.
    @Test func aRefusedRequestWithoutAKeyStillGetsOneAnswer() async throws {
        try await TestServer.run { server in
            // Refused on its headers; the short body that follows must not
            // bring a second answer.
            let answer = try await Self.exchange(
                server,
                "POST /agentic/v1/capi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
                thenStop: true)
            Self.expectAdCPError(answer, status: 401, code: "AUTH_REQUIRED")
            let text = String(decoding: answer?.body ?? [], as: UTF8.self)
            #expect(!text.contains("HTTP/1.1"), "one answer only: \(text)")
        }
    }
}
