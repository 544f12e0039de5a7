/// An MCP streamable-HTTP session: `initialize`, then `notifications/initialized`.
struct MCPSession: Sendable {
    var sessionID: String?
    var protocolVersion: String

    static func initialize(_ connection: HTTPConnection, key: String) throws(BenchError) -> MCPSession {
        let version = IngestDoor.mcpProtocolVersion
        var headers = [
            ("Authorization", "Bearer \(key)"), ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
        ]
        let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(version)","capabilities":{},"clientInfo":{"name":"capi-bench","version":"1"}}}"#
        let reply = try connection.send(HTTPRequest(path: "/mcp", headers: headers), body: Array(initialize.utf8))
        guard reply.status == 200, ReplyScanner.contains(reply.body, #""result""#) else {
            throw BenchError("MCP initialize: HTTP \(reply.status) \(reply.text.prefix(200))")
        }
        let negotiated = ReplyScanner.string(after: "protocolVersion", in: reply.body) ?? version
        let session = MCPSession(sessionID: reply.headers["mcp-session-id"], protocolVersion: negotiated)
        if let id = session.sessionID { headers.append(("Mcp-Session-Id", id)) }
        headers.append(("MCP-Protocol-Version", negotiated))
        let note = #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#
        let ack = try connection.send(HTTPRequest(path: "/mcp", headers: headers), body: Array(note.utf8))
        guard (200..<300).contains(ack.status) else {
            throw BenchError("MCP notifications/initialized: HTTP \(ack.status) \(ack.text.prefix(200))")
        }
        return session
    }

    /// Whether `/mcp` speaks MCP at all yet (the door may still be a placeholder).
    static func probe(host: String, port: UInt16, key: String) -> Result<Void, BenchError> {
        let connection = HTTPConnection(host: host, port: port)
        defer { connection.close() }
        do throws(BenchError) {
            _ = try initialize(connection, key: key)
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}
