import CAPICore
import Foundation
import HTTPTypes
import Hummingbird
import MCP
import NIOCore

/// Mounts MCP (streamable HTTP, stateless JSON responses) at `/mcp`. The group
/// is already behind the auth middleware, so `context.principal` is set and a
/// request without a valid key never reaches a tool.
func addMCPRoutes(to group: RouterGroup<CAPIRequestContext>, service: ConversionService) {
    let endpoint = MCPEndpoint(service: service)
    // GET and DELETE are answered too, with the transport's 405: stateless
    // mode has no server-to-client stream and no session to end.
    group.post("mcp") { request, context in try await endpoint.handle(request, context) }
    group.get("mcp") { request, context in try await endpoint.handle(request, context) }
    group.delete("mcp") { request, context in try await endpoint.handle(request, context) }
}

/// Translates between Hummingbird and the MCP SDK's framework-neutral HTTP types.
struct MCPEndpoint: Sendable {
    let service: ConversionService

    func handle(_ request: Request, _ context: CAPIRequestContext) async throws -> Response {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        var body: [UInt8]?
        if request.method == .post {
            // The REST door's body rules: JSON only, at most `maxBodyBytes`.
            var request = request
            switch try await request.jsonBody(maxBytes: service.settings.maxBodyBytes) {
            case .refused(let refusal): return refusal
            case .bytes(let bytes): body = bytes
            }
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        // The transport's checks read headers only: the body is not copied for them.
        let head = MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: nil, path: request.uri.path)
        let toolbox = MCPToolbox(service: service, principal: principal, logger: context.logger)
        if let body, let answered = await toolCall(head, body, toolbox) { return answered }
        if let body, let refusal = Self.parseError(body) { return Self.response(refusal) }
        let mcpRequest = MCP.HTTPRequest(
            method: request.method.rawValue, headers: headers, body: body.map { Data($0) }, path: request.uri.path)
        return Self.response(await MCPRequestServer.respond(to: mcpRequest, toolbox: toolbox))
    }

    /// `tools/call` of one of capi's tools, answered here: the transport's
    /// checks, then the raw arguments go to the service untouched (no
    /// generic JSON tree: log_event carries up to 10,000 events), and its
    /// answer is written as JSON-RPC bytes (`MCPToolResult`), encoded once.
    /// The scan found the arguments by structure only; the service reads
    /// them as strictly as a REST body. If they are not valid JSON, nor is
    /// the request: nil, and the SDK's path answers it with the JSON-RPC
    /// parse error a strict scan would have led to. Everything else
    /// (initialize, tools/list, notifications, unknown tools) is the SDK's.
    func toolCall(_ head: MCP.HTTPRequest, _ body: [UInt8], _ toolbox: MCPToolbox) async -> Response? {
        guard let call = MCPToolCallScan.scan(body), MCPToolbox.names.contains(call.tool) else { return nil }
        let context = HTTPValidationContext(httpMethod: "POST")
        if let refusal = MCPRequestServer.validation.validate(head, context: context) {
            return Self.response(refusal)
        }
        guard let result = await toolbox.result(tool: call.tool, body: body, arguments: call.arguments) else { return nil }
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: MCPToolResult.response(id: body[call.id], result: result))))
    }

    /// JSON-RPC's parse error for a body that is not JSON as every door
    /// reads it (`JSONReader`): the SDK's decoder alone would take a
    /// byte-order mark, UTF-16, trailing commas or a repeated member.
    static func parseError(_ body: [UInt8]) -> MCP.HTTPResponse? {
        do throws(JSONSyntaxError) {
            try JSONReader.validate(body)
            return nil
        } catch {
            return .error(statusCode: 400, .parseError("Invalid JSON: \(error.message) at byte \(error.offset)"))
        }
    }

    static func response(_ mcp: MCP.HTTPResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in mcp.headers {
            if let fieldName = HTTPField.Name(name) { headers[fieldName] = value }
        }
        headers[.cacheControl] = "no-store"
        let body = mcp.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
        return Response(status: .init(code: mcp.statusCode), headers: headers, body: body)
    }
}
