/// An event that passed every rule: typed, normalized, ready to store.
public struct ConversionEvent: Sendable, Equatable {
    public var eventID: String
    public var eventType: EventType
    /// Milliseconds since the Unix epoch.
    public var eventTime: Int64
    public var actionSource: ActionSource?
    public var eventSourceURL: String?
    public var customEventName: String?
    public var value: Double?
    public var currency: String?
    public var orderID: String?
    public var identifiers: Identifiers
    /// The event's bytes in the request body.
    public var raw: Range<Int>

    public init(
        eventID: String, eventType: EventType, eventTime: Int64,
        identifiers: Identifiers = Identifiers(), raw: Range<Int> = 0..<0
    ) {
        self.eventID = eventID
        self.eventType = eventType
        self.eventTime = eventTime
        self.identifiers = identifiers
        self.raw = raw
    }
}

/// The user identifiers an event carries, for attribution.
/// Hashed values are pseudonymous PII: stored for matching, never logged.
public struct Identifiers: Sendable, Equatable {
    public var clickID: String?
    public var clickIDType: String?
    public var hashedEmail: String?
    public var hashedPhone: String?
    public var uids: [UID] = []
    public var clientIP: String?
    public var clientUserAgent: String?

    public init() {}

    /// True when at least one identifier could tie the event to an exposure.
    public var isMatchable: Bool {
        clickID != nil || hashedEmail != nil || hashedPhone != nil || !uids.isEmpty
            || (clientIP != nil && clientUserAgent != nil)
    }
}

public struct UID: Sendable, Equatable, Hashable {
    public var type: UIDType
    public var value: String

    public init(type: UIDType, value: String) {
        self.type = type
        self.value = value
    }
}

/// Why one event of a batch was refused. The rest of the batch is unaffected.
public struct EventFailure: Error, Sendable, Equatable {
    public var index: Int
    public var eventID: String
    public var error: AdCPError

    public init(index: Int, eventID: String, error: AdCPError) {
        self.index = index
        self.eventID = eventID
        self.error = error
    }
}
