import CAPICore

/// Writes a service answer as an MCP `tools/call` result, the way AdCP
/// clients read it, straight to JSON bytes: a wire value is encoded once
/// (`WireJSON`) and bytes already encoded (a replay, log_event's answer)
/// are spliced in as they are, never read back.
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
enum MCPToolResult {
    /// The `result` of a tools/call; nil for a failure that is the body not
    /// being JSON, which MCP answers with JSON-RPC's parse error instead.
    static func result<W>(_ answer: ServiceAnswer<W>) -> [UInt8]? {
        switch answer {
        case .done(let wire), .created(let wire): completed(WireJSON.encode(wire))
        case .encoded(let bytes): completed(bytes)
        case .failed(let failure): failure.isInvalidJSON ? nil : failed(failure)
        }
    }

    /// `{"jsonrpc":"2.0","id":…,"result":…}`, the id copied as it came.
    static func response(id: ArraySlice<UInt8>, result: [UInt8]) -> [UInt8] {
        var out = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        out.reserveCapacity(out.count + id.count + result.count + 12)
        out += id
        out += Array(#","result":"#.utf8)
        out += result
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A success: `body` (a JSON object without a top-level `status`) as
    /// structured content and as text.
    static func completed(_ body: [UInt8]) -> [UInt8] {
        let structured = withStatus(body, "completed")
        var out = Array(#"{"content":[{"type":"text","text":"#.utf8)
        out.reserveCapacity(2 * structured.count + 96)
        appendQuoted(structured, to: &out)
        out += Array(#"}],"isError":false,"structuredContent":"#.utf8)
        out += structured
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func failed(_ failure: ServiceFailure) -> [UInt8] {
        let first = failure.errors.first ?? AdCPError(
            failure.kind == .unavailable || failure.kind == .rateLimited ? .serviceUnavailable : .invalidRequest,
            "The request failed")
        let structured = WireJSON.encode(FailedTask(
            adcp_error: first, errors: failure.errors, ext: failure.response.ext, status: "failed"))
        var out = Array(#"{"content":[{"type":"text","text":"#.utf8)
        appendQuoted(WireJSON.encode(["adcp_error": first]), to: &out)
        out += Array(#"},{"type":"text","text":"#.utf8)
        appendQuoted(Array(first.message.utf8), to: &out)
        out += Array(#"}],"isError":true,"structuredContent":"#.utf8)
        out += structured
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A failed task's structured content: the payload's errors and the
    /// envelope's `adcp_error` and `status`.
    struct FailedTask: Encodable {
        var adcp_error: AdCPError
        var errors: [AdCPError]
        var ext: AdCPErrorResponse.ErrorExt?
        var status: String
    }

    /// `object` with `"status":"…"` spliced in as its first member.
    static func withStatus(_ object: [UInt8], _ status: String) -> [UInt8] {
        let member = Array(#"{"status":"#.utf8) + Array(JSONText.quoted(status).utf8)
        guard let open = object.firstIndex(where: { !isSpace($0) }), object[open] == UInt8(ascii: "{") else { return object }
        let rest = object[(open + 1)...]
        var out = member
        out.reserveCapacity(member.count + object.count + 1)
        if let next = rest.firstIndex(where: { !isSpace($0) }), object[next] != UInt8(ascii: "}") {
            out.append(UInt8(ascii: ","))
        }
        out += rest
        return out
    }

    /// Appends `bytes` (UTF-8) as a JSON string.
    static func appendQuoted(_ bytes: [UInt8], to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case ..<0x20: out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
}
