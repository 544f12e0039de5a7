/// A configured origin of events on an account (AdCP `sync_event_sources`).
/// Advertisers name their own, so the id is unique per account only.
public struct EventSource: Sendable, Equatable {
    public enum ManagedBy: String, Sendable, Codable {
        /// Configured by the advertiser through sync_event_sources.
        case buyer
        /// Always-on, configured by the operator; sync never removes it.
        case seller
    }

    public var accountID: String
    public var eventSourceID: String
    public var config: EventSourceConfig
    public var managedBy: ManagedBy
    /// Milliseconds since the epoch.
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        accountID: String, eventSourceID: String, config: EventSourceConfig,
        managedBy: ManagedBy = .buyer, createdAt: Int64, updatedAt: Int64
    ) {
        self.accountID = accountID
        self.eventSourceID = eventSourceID
        self.config = config
        self.managedBy = managedBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var contract: EventSourceContract {
        EventSourceContract(
            eventTypes: config.eventTypes.map(Set.init),
            allowedDomains: config.allowedDomains,
            valueCurrencies: config.valueCurrencies.map(Set.init))
    }
}

/// The fields a sync sets on an event source.
public struct EventSourceConfig: Sendable, Equatable {
    public var name: String?
    public var eventTypes: [EventType]?
    public var valueCurrencies: [String]?
    public var actionSource: ActionSource?
    public var allowedDomains: [String]?
    public var surface: JSONValue?
    public var ext: JSONValue?

    public init(
        name: String? = nil, eventTypes: [EventType]? = nil, valueCurrencies: [String]? = nil,
        actionSource: ActionSource? = nil, allowedDomains: [String]? = nil,
        surface: JSONValue? = nil, ext: JSONValue? = nil
    ) {
        self.name = name
        self.eventTypes = eventTypes
        self.valueCurrencies = valueCurrencies
        self.actionSource = actionSource
        self.allowedDomains = allowedDomains
        self.surface = surface
        self.ext = ext
    }
}
