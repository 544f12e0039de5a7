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
    /// schemas, the files under `schemas/adcp/` embedded at build time.
    static let tools: [Tool] = [
        tool("get_adcp_capabilities", schema: AdCPRequestSchemas.getAdcpCapabilities,
             annotations: .init(readOnlyHint: true, idempotentHint: true, openWorldHint: false)),
        tool("sync_event_sources", schema: AdCPRequestSchemas.syncEventSources,
             annotations: .init(readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false)),
        tool("log_event", schema: AdCPRequestSchemas.logEvent,
             annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false)),
        tool("get_media_buy_delivery", schema: AdCPRequestSchemas.getMediaBuyDelivery,
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

    /// A tool whose `inputSchema` is the bundled AdCP schema with its
    /// `#/$defs/...` references inlined (MCP clients read the schema without
    /// resolving references), described by the schema's `x-tool-summary`.
    private static func tool(_ name: String, schema json: String, annotations: Tool.Annotations) -> Tool {
        guard case .object(var root)? = try? JSONDecoder().decode(Value.self, from: Data(json.utf8)) else {
            preconditionFailure("The embedded AdCP schema of \(name) is not a JSON object")
        }
        let definitions = Value.object(root)
        root["$defs"] = nil
        root["definitions"] = nil
        let schema = inliningLocalRefs(.object(root), definitions: definitions, seen: [])
        let summary = root["x-tool-summary"]?.stringValue ?? root["description"]?.stringValue
        return Tool(name: name, description: summary, inputSchema: schema, annotations: annotations)
    }

    /// `node` with each `{"$ref": "#/..."}` replaced by the schema it points
    /// at in `definitions`; keys beside the `$ref` win over the target's.
    private static func inliningLocalRefs(_ node: Value, definitions: Value, seen: [String]) -> Value {
        switch node {
        case .array(let items):
            return .array(items.map { inliningLocalRefs($0, definitions: definitions, seen: seen) })
        case .object(var object):
            guard let ref = object["$ref"]?.stringValue else {
                return .object(object.mapValues { inliningLocalRefs($0, definitions: definitions, seen: seen) })
            }
            precondition(ref.hasPrefix("#/") && !seen.contains(ref), "Cannot inline $ref \(ref) of an embedded AdCP schema")
            var target: Value? = definitions
            for part in ref.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
                let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                target = target?.objectValue?[key]
            }
            guard case .object(var merged)? = target.map({ inliningLocalRefs($0, definitions: definitions, seen: seen + [ref]) }) else {
                preconditionFailure("$ref \(ref) of an embedded AdCP schema points at no schema object")
            }
            object["$ref"] = nil
            for (key, value) in object { merged[key] = inliningLocalRefs(value, definitions: definitions, seen: seen) }
            return .object(merged)
        default:
            return node
        }
    }
}
