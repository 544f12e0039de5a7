import MCP

/// Answers one MCP HTTP request with a fresh MCP `Server` bound to the caller.
///
/// The swift-sdk `Server` takes its handlers at setup and runs them on its own
/// tasks, so a per-request caller can't reach them through the HTTP framework's
/// context or a task-local. A server per request, on the stateless streamable
/// HTTP transport, lets the handlers capture the authenticated `Principal`
/// directly and keeps callers fully apart. It is also what stateless mode
/// needs: a long-lived server accepts `initialize` only once.
enum MCPRequestServer {
    static let name = "capi"
    static let version = "0.1.0"

    /// The transport's checks, minus its localhost-only Origin rule: capi is
    /// reached by name in production and every request carries an API key.
    static let validation = StandardValidationPipeline(validators: [
        AcceptHeaderValidator(mode: .jsonOnly),
        ContentTypeValidator(),
        ProtocolVersionValidator(),
    ])

    static func respond(to request: HTTPRequest, toolbox: MCPToolbox) async -> HTTPResponse {
        let server = Server(
            name: name, version: version, title: "capi conversion measurement",
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: MCPToolbox.tools)
        }
        await server.withMethodHandler(CallTool.self) { params in
            try await toolbox.call(params)
        }
        let transport = StatelessHTTPServerTransport(validationPipeline: validation)
        do {
            try await server.start(transport: transport)
        } catch {
            return .error(statusCode: 500, .internalError("The MCP server could not start"))
        }
        let response = await transport.handleRequest(request)
        await server.stop()
        return response
    }
}
