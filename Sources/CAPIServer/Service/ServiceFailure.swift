import CAPICore

/// Why a service call did not do what it was asked: AdCP errors and the
/// kind of failure they are. Each door says the kind its own way (an HTTP
/// status, MCP's `isError` with `adcp_error`); the service never picks a
/// status.
public struct ServiceFailure: Error, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The request is malformed or breaks a rule (400).
        case invalid
        /// No valid credential (401).
        case unauthenticated
        /// The caller may not do this (403).
        case forbidden
        /// What the request names does not exist for this caller (404).
        case notFound
        /// It clashes with what is stored (409), e.g. a reused idempotency key.
        case conflict
        /// Over a per-key limit; retry after `retryAfter` seconds (429).
        case rateLimited
        /// The server cannot answer now (503): retry shortly.
        case unavailable
    }

    public var kind: Kind
    /// At least one; the first is what MCP clients read as `adcp_error`.
    public var errors: [AdCPError]
    /// How many errors there were when `errors` was capped.
    public var total: Int?
    /// Seconds to wait before retrying (the `Retry-After` header).
    public var retryAfter: Int?
    /// The body is not JSON as capi reads it: MCP answers with JSON-RPC's
    /// parse error instead of a tool result.
    public var isInvalidJSON = false

    public init(_ kind: Kind, _ errors: [AdCPError], total: Int? = nil) {
        self.kind = kind
        self.errors = errors
        self.total = total
    }

    public init(_ kind: Kind, _ error: AdCPError) {
        self.init(kind, [error])
    }

    /// The AdCP `{"errors": [...]}` body.
    public var response: AdCPErrorResponse { AdCPErrorResponse(errors: errors, total: total) }
}

extension ServiceFailure {
    public static func invalid(_ error: AdCPError) -> Self { Self(.invalid, error) }
    public static func forbidden(_ error: AdCPError) -> Self { Self(.forbidden, error) }
    public static func notFound(_ error: AdCPError) -> Self { Self(.notFound, error) }
    public static func conflict(_ error: AdCPError) -> Self { Self(.conflict, error) }
}
