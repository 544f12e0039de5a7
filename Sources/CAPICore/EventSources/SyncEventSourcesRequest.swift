/// The AdCP sync_event_sources request. Sources stay loosely typed so a bad
/// source fails alone (action `failed`) instead of failing the whole call.
public struct SyncEventSourcesRequest: Decodable, Sendable {
    public var idempotency_key: String?
    public var account: JSONValue?
    public var event_sources: [JSONValue]?
    public var delete_missing: Bool?
    public var context: JSONValue?
    public var ext: JSONValue?
}
