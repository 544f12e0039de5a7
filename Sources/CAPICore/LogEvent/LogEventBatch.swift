/// A log_event request as read off the wire: the envelope and its events.
public struct LogEventBatch: Sendable {
    public var eventSourceID: String?
    public var testEventCode: String?
    public var idempotencyKey: String?
    /// AdCP's `account` reference, when the request names one: it must be
    /// the key's own account.
    public var account: JSONValue?
    /// Where each event object sits in the body; nil when the request had no
    /// `events` member.
    public var eventRanges: [Range<Int>]?
    /// The events, read (only `LogEventDecoder.decode` fills this).
    public var events: [IncomingEvent]?

    public init() {}
}
