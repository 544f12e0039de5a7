/// What a service call answers, independent of the door it came through.
///
/// REST sends `body` with `status`; MCP sends `body` as the tool's
/// structured content and marks it an error when `status` is not 2xx.
public struct ServiceReply: Sendable {
    public var status: Int
    /// JSON: the AdCP success shape, or `{"errors": [...]}` (CSV for CSV reports).
    public var body: [UInt8]
    public var contentType = "application/json; charset=utf-8"
    /// The request was refused because it is not valid JSON.
    public var isInvalidJSON = false
    /// For a log_event batch written now: its events by result (metrics).
    public var tally: EventTally?
    /// Seconds the client should wait before retrying: the `Retry-After` header.
    public var retryAfterSeconds: Int?

    public var isError: Bool { status >= 400 }

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}
