/// What an event source promises about its events, checked on every event.
/// Each part is optional: an undeclared part accepts anything.
public struct EventSourceContract: Sendable, Equatable {
    public var eventTypes: Set<EventType>?
    /// Lowercased domains; an event URL's host must equal one or be a subdomain.
    public var allowedDomains: [String]?
    public var valueCurrencies: Set<String>?

    public init(
        eventTypes: Set<EventType>? = nil, allowedDomains: [String]? = nil,
        valueCurrencies: Set<String>? = nil
    ) {
        self.eventTypes = eventTypes
        self.allowedDomains = allowedDomains?.map(Self.normalizeDomain)
        self.valueCurrencies = valueCurrencies
    }

    public func allowsHost(_ host: String) -> Bool {
        guard let allowedDomains else { return true }
        return allowedDomains.contains { domain in
            host == domain || (host.hasSuffix(domain) && host.utf8.count > domain.utf8.count
                && host.utf8[host.utf8.index(host.utf8.endIndex, offsetBy: -domain.utf8.count - 1)] == UInt8(ascii: "."))
        }
    }

    static func normalizeDomain(_ domain: String) -> String {
        var d = Substring(domain.lowercased())
        if d.hasPrefix("*.") { d = d.dropFirst(2) }
        if d.hasPrefix(".") { d = d.dropFirst() }
        if d.hasSuffix(".") { d = d.dropLast() }
        return String(d)
    }
}
