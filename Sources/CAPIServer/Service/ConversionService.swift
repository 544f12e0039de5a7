import CAPICore

/// The one code path for every operation. REST routes and MCP tools are two
/// doors into these calls and only translate the wire.
public final class ConversionService: Sendable {
    public let settings: CAPISettings

    public init(settings: CAPISettings) {
        self.settings = settings
    }

    /// AdCP `log_event` (also `POST /agentic/v1/capi`). `body` is the request JSON.
    public func logEvent(body: [UInt8], principal: Principal) async -> ServiceReply {
        ServiceReply(status: 501, body: Array(#"{"errors":[{"code":"UNSUPPORTED_FEATURE","message":"not yet"}]}"#.utf8))
    }

    /// AdCP `sync_event_sources` (also `POST /agentic/v1/event-sources/sync`).
    public func syncEventSources(body: [UInt8], principal: Principal) async -> ServiceReply {
        ServiceReply(status: 501, body: Array(#"{"errors":[{"code":"UNSUPPORTED_FEATURE","message":"not yet"}]}"#.utf8))
    }
}
