/// One source in a sync_event_sources answer, in AdCP field names.
public struct EventSourceResult: Encodable, Sendable {
    public var event_source_id: String
    public var name: String?
    public var event_types: [EventType]?
    public var value_currencies: [String]?
    public var action_source: ActionSource?
    public var allowed_domains: [String]?
    public var surface: JSONValue?
    public var managed_by: EventSource.ManagedBy?
    public var setup: Setup?
    public var action: EventSourceSync.Action?
    public var health: EventSourceHealth?
    public var errors: [AdCPError]?
    public var ext: JSONValue?

    public struct Setup: Encodable, Sendable {
        public var snippet_type = "server_only"
        public var instructions: String
    }

    public init(_ entry: EventSourceSync.Entry, baseURL: String) {
        event_source_id = entry.eventSourceID
        action = entry.action
        errors = entry.errors.isEmpty ? nil : entry.errors
        guard let source = entry.source else { return }
        let c = source.config
        name = c.name
        event_types = c.eventTypes
        value_currencies = c.valueCurrencies
        action_source = c.actionSource
        allowed_domains = c.allowedDomains
        surface = c.surface
        ext = c.ext
        managed_by = source.managedBy
        if entry.action != .deleted {
            setup = Setup(instructions: Self.instructions(sourceID: source.eventSourceID, baseURL: baseURL))
        }
    }

    public static func instructions(sourceID: String, baseURL: String) -> String {
        "Send events server-to-server: POST \(baseURL)/agentic/v1/capi with header 'Authorization: Bearer <API key>' and a JSON body {\"event_source_id\": \"\(sourceID)\", \"events\": [...]} (AdCP log_event). Agents can call the log_event tool at \(baseURL)/mcp instead. Pass the sc3clid from landing-page URLs as user_match.click_id with click_id_type 'sc3clid'."
    }
}
