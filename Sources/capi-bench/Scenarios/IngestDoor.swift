/// Which way events enter the server: the REST endpoint or MCP `log_event`.
/// Both carry the same batch; only the envelope and the handshake differ.
enum IngestDoor: String, Sendable, CaseIterable {
    case rest
    case mcp

    static let mcpProtocolVersion = "2025-06-18"

    /// The request body template for this door around a log_event batch.
    func template(_ batch: BatchTemplate) -> BatchTemplate {
        switch self {
        case .rest:
            return batch
        case .mcp:
            return batch.wrapped(
                prefix: Array(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"log_event","arguments":"#.utf8),
                suffix: Array("}}".utf8))
        }
    }

    func request(key: String, session: MCPSession?) -> HTTPRequest {
        var headers = [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")]
        switch self {
        case .rest:
            return HTTPRequest(path: "/agentic/v1/capi", headers: headers)
        case .mcp:
            headers.append(("Accept", "application/json, text/event-stream"))
            if let id = session?.sessionID { headers.append(("Mcp-Session-Id", id)) }
            headers.append(("MCP-Protocol-Version", session?.protocolVersion ?? Self.mcpProtocolVersion))
            return HTTPRequest(path: "/mcp", headers: headers)
        }
    }

    /// Whatever per-connection set-up the door needs (MCP: `initialize`).
    func open(_ connection: HTTPConnection, key: String) throws(BenchError) -> MCPSession? {
        switch self {
        case .rest: return nil
        case .mcp: return try MCPSession.initialize(connection, key: key)
        }
    }

    /// How many events the server says it processed, and how many were duplicates.
    func outcome(_ reply: HTTPReply) throws(BenchError) -> IngestOutcome {
        guard reply.status == 200 else {
            throw BenchError("\(rawValue): HTTP \(reply.status): \(reply.text.prefix(300))")
        }
        if self == .mcp, ReplyScanner.contains(reply.body, #""isError":true"#) || ReplyScanner.contains(reply.body, #""error":{"#) {
            throw BenchError("mcp: tool error: \(reply.text.prefix(300))")
        }
        guard let processed = ReplyScanner.integer(after: "events_processed", in: reply.body) else {
            throw BenchError("\(rawValue): reply without events_processed: \(reply.text.prefix(300))")
        }
        return IngestOutcome(processed: processed, duplicates: ReplyScanner.integer(after: "duplicates", in: reply.body) ?? 0)
    }
}

struct IngestOutcome: Sendable {
    var processed: Int
    var duplicates: Int
}
