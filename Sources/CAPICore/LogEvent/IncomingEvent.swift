/// One event as read off the wire, before any rule is applied.
/// Fields hold what the JSON said; rules decide what it means.
///
/// String values sit in `text` and fields are spans into it: a batch reads
/// some fifteen strings an event, and only the writer needs a few of them.
public struct IncomingEvent: Sendable, Equatable {
    /// The event's string values, unescaped; the spans below point into it.
    public var text: EventText
    public var eventIDSpan: TextSpan?
    public var eventTypeSpan: TextSpan?
    public var eventTime: IncomingTime?
    public var actionSourceSpan: TextSpan?
    public var eventSourceURLSpan: TextSpan?
    public var customEventNameSpan: TextSpan?
    public var userMatch: IdentifierSpans?
    public var customData: IncomingCustomData?
    /// Where the whole event object sits in the request body; stored as is,
    /// so fields capi does not interpret are kept.
    public var raw: Range<Int>
    /// The first value of the wrong JSON type, if any.
    public var shapeError: ShapeError?

    public init(raw: Range<Int> = 0..<0, text: EventText = EventText()) {
        self.raw = raw
        self.text = text
    }

    public var eventID: String? { text.string(eventIDSpan) }
    public var eventType: String? { text.string(eventTypeSpan) }
    public var actionSource: String? { text.string(actionSourceSpan) }
    public var eventSourceURL: String? { text.string(eventSourceURLSpan) }
    public var customEventName: String? { text.string(customEventNameSpan) }
}

/// `event_time` as read: parsed straight from the body's bytes, because the
/// text itself is never needed.
public enum IncomingTime: Sendable, Equatable {
    /// Milliseconds since the Unix epoch.
    case milliseconds(Int64)
    /// A string that is not an RFC 3339 timestamp with an offset.
    case unreadable
}

/// A JSON value of the wrong type inside an event, e.g. a number for `event_id`.
public struct ShapeError: Sendable, Equatable {
    /// Path below the event, e.g. `custom_data.value`.
    public var path: String
    /// What it should have been: "a string", "a number", "an object"…
    public var expected: String

    public init(path: String, expected: String) {
        self.path = path
        self.expected = expected
    }
}

public struct IncomingCustomData: Sendable, Equatable {
    public var value: Double?
    public var currencySpan: TextSpan?
    public var orderIDSpan: TextSpan?
    public var numItems: Double?
    public var progressPercent: Double?
    public var progressSeconds: Double?
    /// The first `contents` item that breaks a rule, if any: items are only
    /// checked (`EventValidator.contentsItemProblem`), so none is kept.
    public var contentsProblem: ContentsProblem?

    public init() {}
}

/// A contents item that breaks a rule, and the field the rule is about.
public struct ContentsProblem: Sendable, Equatable {
    public var index: Int
    public var field: Field

    public enum Field: String, Sendable, Equatable {
        case id, quantity, price
    }
}
