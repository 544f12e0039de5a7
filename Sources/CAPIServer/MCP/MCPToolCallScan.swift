import CAPICore

/// Finds, without building a JSON tree, a single JSON-RPC `tools/call` and
/// the raw bytes of its `id` and `params.arguments` (nil when absent or
/// null: no arguments; any other non-object is left to the SDK to refuse).
///
/// log_event arguments carry up to 10,000 events; the SDK's generic `Value`
/// decoding of them costs seconds, so the MCP door hands these bytes straight
/// to the service, as the REST door does with its body. The arguments are
/// skimmed (their extent found by strings and brackets), not read strictly:
/// the service reads them strictly, and a second strict pass here would
/// cost as much again. The rest of the request is read strictly.
struct MCPToolCallScan {
    var id: Range<Int>
    var tool: String
    var arguments: Range<Int>?

    static func scan(_ body: [UInt8]) -> MCPToolCallScan? {
        body.withUnsafeBufferPointer { buffer -> MCPToolCallScan? in
            var reader = JSONReader(buffer)
            var id: Range<Int>?, method: String?, tool: String?, arguments: Range<Int>?, version: String?
            var argumentsNotObject = false
            do throws(JSONSyntaxError) {
                guard try reader.peekKind() == .object else { return nil }
                try reader.readMembers { (r, key) throws(JSONSyntaxError) in
                    if key.matches("jsonrpc") {
                        version = try r.peekKind() == .string ? try r.readString() : nil
                        if version == nil { try r.skipValue() }
                    } else if key.matches("id") {
                        let start = r.valueStart()
                        try r.skipValue()
                        id = start..<r.offset
                    } else if key.matches("method") {
                        method = try r.peekKind() == .string ? try r.readString() : nil
                        if method == nil { try r.skipValue() }
                    } else if key.matches("params"), try r.peekKind() == .object {
                        try r.readMembers { (r, key) throws(JSONSyntaxError) in
                            if key.matches("name"), try r.peekKind() == .string {
                                tool = try r.readString()
                            } else if key.matches("arguments") {
                                let start = r.valueStart()
                                switch try r.peekKind() {
                                case .object:
                                    try r.skimElement()
                                    arguments = start..<r.offset
                                case .null:
                                    try r.skipValue()
                                default:
                                    argumentsNotObject = true
                                    try r.skipValue()
                                }
                            } else {
                                try r.skipValue()
                            }
                        }
                    } else {
                        try r.skipValue()
                    }
                }
                try reader.expectEnd()
            } catch {
                return nil
            }
            guard version == "2.0", method == "tools/call", let id, let tool, !argumentsNotObject else { return nil }
            return MCPToolCallScan(id: id, tool: tool, arguments: arguments)
        }
    }
}
