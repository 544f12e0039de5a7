import Foundation
import CAPICore
import Logging
import MCP

/// The AdCP tools capi offers over MCP, bound to one caller.
///
/// Each tool only translates the wire: its arguments are the AdCP request
/// JSON handed to the same `ConversionService` call the REST door uses, and
/// the service's answer becomes the tool result (see `MCPToolResult`).
struct MCPToolbox: Sendable {
    let service: ConversionService
    let principal: Principal
    /// The request's logger (its metadata carries the request id).
    let logger: Logger

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

    /// The tools `result` answers.
    static let names: Set<String> = Set(tools.map(\.name))

    /// A tools/call of one of `names`: the service's answer as the call's
    /// `result` bytes, or nil when the arguments are not JSON (the caller
    /// answers with JSON-RPC's parse error). The arguments' bytes go to the
    /// service as they came (`body[arguments]`; none means `{}`), the same
    /// bytes a REST body would be.
    func result(tool: String, body: [UInt8], arguments: Range<Int>?) async -> [UInt8]? {
        func request() -> [UInt8] { arguments.map { Array(body[$0]) } ?? Array("{}".utf8) }
        switch tool {
        case "get_adcp_capabilities":
            return MCPToolResult.result(ServiceAnswer.done(AdCPCapabilities.response()))
        case "sync_event_sources":
            return MCPToolResult.result(await service.syncEventSources(body: request(), principal: principal, logger: logger))
        case "log_event":
            // The batch is read where it lies in the request: no copy of up to 7 MB.
            let batch = arguments.map { BatchBytes(body, within: $0) } ?? BatchBytes(request())
            return MCPToolResult.result(await service.logEvent(body: batch, principal: principal, logger: logger))
        case "get_media_buy_delivery":
            return MCPToolResult.result(await service.mediaBuyDelivery(body: request(), principal: principal, logger: logger))
        default:
            return nil
        }
    }

    /// A tools/call the endpoint could not answer itself: an unknown tool,
    /// or a call it could not read as one request (e.g. inside a batch).
    func call(_ params: CallTool.Parameters) async throws -> CallTool.Result {
        guard Self.names.contains(params.name) else {
            // MCP asks for a protocol error, not a tool result, for unknown tools.
            throw MCPError.invalidParams("Unknown tool: \(params.name)")
        }
        throw MCPError.invalidRequest("Send tools/call as a single JSON-RPC request whose arguments are an object")
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
