import CAPICore

/// What a service call answers, independent of the door it came through:
/// a typed wire value, JSON already encoded, or a failure.
///
/// The doors encode a wire value once (`WireJSON`) and never read an
/// answer back: REST sends the bytes with the status the case stands for,
/// MCP wraps them as a tool result (`MCPToolResult`).
public enum ServiceAnswer<Wire: Encodable & Sendable>: Sendable {
    /// Done: 200 with the value.
    case done(Wire)
    /// Created: 201 with the value.
    case created(Wire)
    /// Done, with the 200 body encoded already: an idempotent replay (the
    /// bytes recorded with the key) or an answer encoded inside the write
    /// that recorded it.
    case encoded([UInt8])
    case failed(ServiceFailure)

    public var failure: ServiceFailure? {
        if case .failed(let f) = self { return f }
        return nil
    }
}
