/// One event as read off the wire, before any rule is applied.
/// Fields hold what the JSON said; rules decide what it means.
public struct IncomingEvent: Sendable, Equatable {
    public var eventID: String?
    public var eventType: String?
    public var eventTime: IncomingTime?
    public var actionSource: String?
    public var eventSourceURL: String?
    public var customEventName: String?
    public var userMatch: IncomingUserMatch?
    public var customData: IncomingCustomData?
    /// Where the whole event object sits in the request body; stored as is,
    /// so fields capi does not interpret are kept.
    public var raw: Range<Int>
    /// The first value of the wrong JSON type, if any.
    public var shapeError: ShapeError?

    public init(raw: Range<Int> = 0..<0) { self.raw = raw }
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

public struct IncomingUserMatch: Sendable, Equatable {
    public var uids: [IncomingUID]?
    public var hashedEmail: String?
    public var hashedPhone: String?
    public var clickID: String?
    public var clickIDType: String?
    public var clientIP: String?
    public var clientUserAgent: String?

    public init() {}
}

public struct IncomingUID: Sendable, Equatable {
    public var type: String?
    public var value: String?

    public init(type: String? = nil, value: String? = nil) {
        self.type = type
        self.value = value
    }
}

public struct IncomingCustomData: Sendable, Equatable {
    public var value: Double?
    public var currency: String?
    public var orderID: String?
    public var numItems: Double?
    public var progressPercent: Double?
    public var progressSeconds: Double?
    public var contents: [IncomingContentItem]?

    public init() {}
}

public struct IncomingContentItem: Sendable, Equatable {
    public var id: String?
    public var quantity: Double?
    public var price: Double?

    public init(id: String? = nil, quantity: Double? = nil, price: Double? = nil) {
        self.id = id
        self.quantity = quantity
        self.price = price
    }
}
