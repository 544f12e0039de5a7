import Foundation
import MCP

/// Shapes a service answer as an MCP tool result the way AdCP clients read it.
///
/// Success: `structuredContent` is the AdCP response with the protocol
/// envelope's `status: "completed"` beside the task fields (AdCP's flat MCP
/// serialization), and the same JSON as the first text item for clients that
/// only read `content`.
///
/// Failure: `isError: true`, and `structuredContent` carries both AdCP error
/// layers: the payload's `errors[]` exactly as the service wrote them and the
/// transport envelope's `adcp_error` (the first error), which is what the
/// clients extract. The first text item is `{"adcp_error": ...}` for
/// text-only clients; the second is the message in plain words.
enum MCPToolReply {
    static func from(status: Int, body: [UInt8]) -> CallTool.Result {
        guard case .object(var object)? = try? JSONDecoder().decode(Value.self, from: Data(body)) else {
            return failure(code: "SERVICE_UNAVAILABLE", message: "The server produced an unreadable answer; retry shortly", recovery: "transient")
        }
        if status >= 400 {
            let first = object["errors"]?.arrayValue?.first ?? fallbackError(status: status)
            object["adcp_error"] = first
            object["status"] = "failed"
            return errorResult(structured: object, adcpError: first)
        }
        if object["status"] == nil { object["status"] = "completed" }
        return success(.object(object))
    }

    static func success(_ structured: Value) -> CallTool.Result {
        CallTool.Result(content: [.text(text: encode(structured), annotations: nil, _meta: nil)], structuredContent: Optional(structured), isError: false)
    }

    /// A failure found by the MCP door itself (e.g. arguments that are not an object).
    static func failure(code: String, message: String, field: String? = nil, recovery: String) -> CallTool.Result {
        var error: [String: Value] = ["code": .string(code), "message": .string(message), "recovery": .string(recovery)]
        if let field { error["field"] = .string(field) }
        let adcpError = Value.object(error)
        return errorResult(structured: ["errors": [adcpError], "adcp_error": adcpError, "status": "failed"], adcpError: adcpError)
    }

    private static func errorResult(structured: [String: Value], adcpError: Value) -> CallTool.Result {
        var content: [Tool.Content] = [.text(text: encode(["adcp_error": adcpError]), annotations: nil, _meta: nil)]
        if let message = adcpError.objectValue?["message"]?.stringValue {
            content.append(.text(text: message, annotations: nil, _meta: nil))
        }
        return CallTool.Result(content: content, structuredContent: Optional(.object(structured)), isError: true)
    }

    /// Used only if an error answer arrives without an `errors` array.
    private static func fallbackError(status: Int) -> Value {
        let transient = status >= 500 || status == 429
        return [
            "code": transient ? "SERVICE_UNAVAILABLE" : "INVALID_REQUEST",
            "message": .string("The request failed with status \(status)"),
            "recovery": transient ? "transient" : "correctable",
        ]
    }

    static func encode(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
