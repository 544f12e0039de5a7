/// An event that passed every rule: typed, normalized, ready to store.
///
/// Its strings stay in the event's `EventText` (shared with the
/// `IncomingEvent` it came from, so accepting an event copies no string);
/// the String properties make one when asked, and the writer binds the bytes.
public struct ConversionEvent: Sendable, Equatable {
    public var eventType: EventType
    /// Milliseconds since the Unix epoch.
    public var eventTime: Int64
    public var actionSource: ActionSource?
    public var value: Double?
    /// The event's bytes in the request body.
    public var raw: Range<Int>
    /// The event's string values; the spans below point into it.
    public private(set) var text: EventText
    public internal(set) var eventIDSpan: TextSpan
    public internal(set) var eventSourceURLSpan: TextSpan?
    public internal(set) var customEventNameSpan: TextSpan?
    public internal(set) var currencySpan: TextSpan?
    public internal(set) var orderIDSpan: TextSpan?
    public internal(set) var identifierSpans: IdentifierSpans

    public init(
        eventID: String, eventType: EventType, eventTime: Int64,
        identifiers: Identifiers = Identifiers(), raw: Range<Int> = 0..<0
    ) {
        var text = EventText()
        eventIDSpan = text.append(eventID)
        identifierSpans = IdentifierSpans(identifiers, in: &text)
        self.text = text
        self.eventType = eventType
        self.eventTime = eventTime
        self.raw = raw
    }

    /// An accepted event whose strings are already in `text`.
    init(text: EventText, eventID: TextSpan, eventType: EventType, eventTime: Int64, raw: Range<Int>) {
        self.text = text
        self.eventIDSpan = eventID
        self.eventType = eventType
        self.eventTime = eventTime
        self.raw = raw
        self.identifierSpans = IdentifierSpans()
    }

    public var eventID: String {
        get { text.string(eventIDSpan) }
        set { eventIDSpan = text.append(newValue) }
    }

    public var eventSourceURL: String? {
        get { text.string(eventSourceURLSpan) }
        set { eventSourceURLSpan = text.append(newValue) }
    }

    public var customEventName: String? {
        get { text.string(customEventNameSpan) }
        set { customEventNameSpan = text.append(newValue) }
    }

    public var currency: String? {
        get { text.string(currencySpan) }
        set { currencySpan = text.append(newValue) }
    }

    public var orderID: String? {
        get { text.string(orderIDSpan) }
        set { orderIDSpan = text.append(newValue) }
    }

    /// The identifiers as Strings, made when asked.
    public var identifiers: Identifiers {
        get { identifierSpans.identifiers(in: text) }
        set { identifierSpans = IdentifierSpans(newValue, in: &text) }
    }

    /// Which identifiers the event carries, without making Strings.
    var identifierPresence: IdentifierPresence { identifierSpans.presence(in: text) }

    /// Equal values, however the text is laid out.
    public static func == (a: ConversionEvent, b: ConversionEvent) -> Bool {
        a.eventType == b.eventType && a.eventTime == b.eventTime && a.actionSource == b.actionSource
            && a.value == b.value && a.raw == b.raw && a.eventID == b.eventID
            && a.eventSourceURL == b.eventSourceURL && a.customEventName == b.customEventName
            && a.currency == b.currency && a.orderID == b.orderID && a.identifiers == b.identifiers
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
    public var isMatchable: Bool { presence.isMatchable }

    var presence: IdentifierPresence {
        IdentifierPresence(
            clickID: clickID != nil, sc3Click: clickID != nil && clickIDType == "sc3clid",
            hashedEmail: hashedEmail != nil, hashedPhone: hashedPhone != nil, uids: !uids.isEmpty,
            ipAndUserAgent: clientIP != nil && clientUserAgent != nil)
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
