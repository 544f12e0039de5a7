/// User identifiers given as Strings, e.g. an exposure's link parameters.
/// `EventValidator.identifiers` applies the `user_match` rules to them.
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

extension IdentifierSpans {
    /// `match` as spans of `text`, so one set of rules serves both.
    init(_ match: IncomingUserMatch, in text: inout EventText) {
        hashedEmail = text.append(match.hashedEmail)
        hashedPhone = text.append(match.hashedPhone)
        clickID = text.append(match.clickID)
        clickIDType = text.append(match.clickIDType)
        clientIP = text.append(match.clientIP)
        clientUserAgent = text.append(match.clientUserAgent)
        uids = match.uids?.map { UIDSpans(type: text.append($0.type), value: text.append($0.value)) }
    }
}
