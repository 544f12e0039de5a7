import CAPICore
import Foundation

extension TestServer {
    /// A JSON-RPC `tools/call` of `tool` on `/mcp`, its arguments written as given.
    func mcpCall(key: String, tool: String, arguments: String, headers: [String: String] = [:]) async throws -> Reply {
        let rpc = #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"\#(tool)","arguments":"# + arguments + "}}"
        var all = ["Accept": "application/json, text/event-stream"]
        for (k, v) in headers { all[k] = v }
        return try await request("POST", "/mcp", key: key, body: Data(rpc.utf8), headers: all)
    }
}

extension TestServer.Reply {
    /// An MCP tool result's structured content.
    var structured: JSONValue? { json["result"]?["structuredContent"] }
}
