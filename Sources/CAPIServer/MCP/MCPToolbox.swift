import Foundation
import MCP

/// The AdCP tools capi offers over MCP, bound to one caller.
///
/// Each tool only translates the wire: its arguments become the AdCP request
/// JSON handed to the same `ConversionService` call the REST door uses, and
/// the service's answer becomes the tool result (see `MCPToolReply`).
struct MCPToolbox: Sendable {
    let service: ConversionService
    let principal: Principal

    /// The published tool list. The input schemas are the AdCP request
    /// schemas (generated into `MCPToolSchemas` by a script under `scripts/`).
    static let tools: [Tool] = [
        tool("get_adcp_capabilities", schema: MCPToolSchemas.getAdcpCapabilities,
             annotations: .init(readOnlyHint: true, idempotentHint: true, openWorldHint: false)),
        tool("sync_event_sources", schema: MCPToolSchemas.syncEventSources,
             annotations: .init(readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false)),
        tool("log_event", schema: MCPToolSchemas.logEvent,
             annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false)),
        tool("get_media_buy_delivery", schema: MCPToolSchemas.getMediaBuyDelivery,
             annotations: .init(readOnlyHint: true, idempotentHint: true, openWorldHint: false)),
    ]

    func call(_ params: CallTool.Parameters) async throws -> CallTool.Result {
        switch params.name {
        case "get_adcp_capabilities":
            return MCPToolReply.success(AdCPCapabilities.response())
        case "sync_event_sources":
            return await forward(params.arguments) { await service.syncEventSources(body: $0, principal: principal) }
        case "log_event":
            return await forward(params.arguments) { await service.logEvent(body: $0, principal: principal) }
        case "get_media_buy_delivery":
            return await forward(params.arguments) { await service.mediaBuyDelivery(body: $0, principal: principal) }
        default:
            // MCP asks for a protocol error, not a tool result, for unknown tools.
            throw MCPError.invalidParams("Unknown tool: \(params.name)")
        }
    }

    /// Encodes the arguments as the AdCP request body and shapes the reply.
    private func forward(
        _ arguments: [String: Value]?, _ call: ([UInt8]) async -> ServiceReply
    ) async -> CallTool.Result {
        // Sorted keys: the same arguments always make the same bytes, so an
        // idempotent retry is recognised as the same request.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(arguments ?? [:]) else {
            return MCPToolReply.failure(code: "INVALID_REQUEST", message: "The tool arguments could not be read as JSON", recovery: "correctable")
        }
        let reply = await call(Array(body))
        return MCPToolReply.from(status: reply.status, body: reply.body)
    }

    private static func tool(_ name: String, schema json: String, annotations: Tool.Annotations) -> Tool {
        let schema: Value
        do {
            schema = try JSONDecoder().decode(Value.self, from: Data(json.utf8))
        } catch {
            preconditionFailure("MCPToolSchemas.\(name) is not valid JSON; regenerate it: \(error)")
        }
        let object = schema.objectValue
        let summary = object?["x-tool-summary"]?.stringValue ?? object?["description"]?.stringValue
        return Tool(name: name, description: summary, inputSchema: schema, annotations: annotations)
    }
}
