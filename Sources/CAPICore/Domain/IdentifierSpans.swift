/// An event's user identifiers as spans into its `EventText`: what
/// `user_match` said, in an `IncomingEvent`, or what passed the rules, in a
/// `ConversionEvent`. No String is made for them on the log_event path.
public struct IdentifierSpans: Sendable, Equatable {
    /// nil when `uids` was absent; empty when it was an empty array.
    public var uids: [UIDSpans]?
    public var hashedEmail: TextSpan?
    public var hashedPhone: TextSpan?
    public var clickID: TextSpan?
    public var clickIDType: TextSpan?
    public var clientIP: TextSpan?
    public var clientUserAgent: TextSpan?

    public init() {}

    /// Which identifiers there are: all most rules ask.
    func presence(in text: EventText) -> IdentifierPresence {
        IdentifierPresence(
            clickID: clickID != nil, sc3Click: clickID != nil && text.equals(clickIDType, "sc3clid"),
            hashedEmail: hashedEmail != nil, hashedPhone: hashedPhone != nil, uids: !(uids?.isEmpty ?? true),
            ipAndUserAgent: clientIP != nil && clientUserAgent != nil)
    }

    /// The identifiers as Strings. For spans that passed the rules.
    func identifiers(in text: EventText) -> Identifiers {
        var ids = Identifiers()
        ids.clickID = text.string(clickID)
        ids.clickIDType = text.string(clickIDType)
        ids.hashedEmail = text.string(hashedEmail)
        ids.hashedPhone = text.string(hashedPhone)
        ids.clientIP = text.string(clientIP)
        ids.clientUserAgent = text.string(clientUserAgent)
        ids.uids = (uids ?? []).compactMap { uid in
            guard let type = uid.type.flatMap({ text.withBytes($0, UIDType.named) }), let value = uid.value else { return nil }
            return UID(type: type, value: text.string(value))
        }
        return ids
    }

    /// `ids` as spans of `text`.
    init(_ ids: Identifiers, in text: inout EventText) {
        clickID = text.append(ids.clickID)
        clickIDType = text.append(ids.clickIDType)
        hashedEmail = text.append(ids.hashedEmail)
        hashedPhone = text.append(ids.hashedPhone)
        clientIP = text.append(ids.clientIP)
        clientUserAgent = text.append(ids.clientUserAgent)
        uids = ids.uids.isEmpty ? nil : ids.uids.map { UIDSpans(type: text.append($0.type.rawValue), value: text.append($0.value)) }
    }
}

/// One `uids` item as spans of an event's text.
public struct UIDSpans: Sendable, Equatable {
    public var type: TextSpan?
    public var value: TextSpan?

    public init(type: TextSpan? = nil, value: TextSpan? = nil) {
        self.type = type
        self.value = value
    }
}
