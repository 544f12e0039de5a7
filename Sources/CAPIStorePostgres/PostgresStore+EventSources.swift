import CAPICore
import CAPIStore
import PostgresNIO

extension PostgresStore {
    public func eventSources(accountID: String) async throws -> [EventSource] {
        try await withConnection { db in try await Self.fetchSources(db, accountID: accountID) }
    }

    public func eventSource(accountID: String, id: String) async throws -> EventSource? {
        try await read("""
            SELECT \(unescaped: Self.sourceColumns) FROM event_sources WHERE account_id = \(accountID) AND event_source_id = \(id)
            """).first.map(Self.eventSource(_:))
    }

    public func upsertEventSource(_ source: EventSource) async throws {
        try await transaction { db in try await Self.write(source, db) }
    }

    /// Plans over the account's sources as they stand, under the idempotency
    /// claim: a second node sending the same key waits for this one, then
    /// replays its answer.
    public func syncEventSources(
        accountID: String, idempotency: IdempotencyClaim?,
        plan: @Sendable ([EventSource]) -> EventSourceSync.Plan,
        respond: @Sendable (EventSourceSync.Plan) -> [UInt8]
    ) async throws -> StoreOutcome<EventSourceSync.Plan> {
        try await transaction { db in
            if let idempotency, let record = try await Self.claim(idempotency, accountID: accountID, db) {
                return .replay(record)
            }
            // Locks the account's sources so two syncs of one account plan in turn.
            _ = try await db.rows("SELECT 1 FROM accounts WHERE account_id = \(accountID) FOR UPDATE")
            let planned = plan(try await Self.fetchSources(db, accountID: accountID))
            for source in planned.writes { try await Self.write(source, db) }
            if !planned.deletions.isEmpty {
                try await db.run("""
                    DELETE FROM event_sources
                    WHERE account_id = \(accountID) AND event_source_id = ANY(\(planned.deletions)) AND managed_by = 'buyer'
                    """)
            }
            let response = respond(planned)
            if let idempotency { try await Self.record(idempotency, accountID: accountID, response: response, db) }
            return .written(planned, response: response)
        }
    }

    static let sourceColumns = """
        account_id, event_source_id, name, event_types, value_currencies, action_source, allowed_domains, surface, ext,
        managed_by, created_at, updated_at
        """

    static func fetchSources(_ db: PostgresConnection, accountID: String) async throws -> [EventSource] {
        try await db.rows("""
            SELECT \(unescaped: sourceColumns) FROM event_sources WHERE account_id = \(accountID) ORDER BY event_source_id COLLATE "C"
            """).map(eventSource(_:))
    }

    static func write(_ s: EventSource, _ db: PostgresConnection) async throws {
        let c = s.config
        try await db.run("""
            INSERT INTO event_sources (account_id, event_source_id, name, event_types, value_currencies,
                action_source, allowed_domains, surface, ext, managed_by, created_at, updated_at)
            VALUES (\(s.accountID), \(s.eventSourceID), \(c.name), \(c.eventTypes.map { list(of: $0.map(\.rawValue)) }),
                \(c.valueCurrencies.map(list(of:))), \(c.actionSource?.rawValue), \(c.allowedDomains.map(list(of:))),
                \(c.surface?.canonicalText), \(c.ext?.canonicalText), \(s.managedBy.rawValue), \(s.createdAt), \(s.updatedAt))
            ON CONFLICT (account_id, event_source_id) DO UPDATE SET
                name = excluded.name, event_types = excluded.event_types,
                value_currencies = excluded.value_currencies, action_source = excluded.action_source,
                allowed_domains = excluded.allowed_domains, surface = excluded.surface, ext = excluded.ext,
                managed_by = excluded.managed_by, updated_at = excluded.updated_at
            """)
    }

    static func eventSource(_ row: PostgresRow) throws -> EventSource {
        let r = Cells(row)
        let config = EventSourceConfig(
            name: try r.get(2),
            eventTypes: (try r.get(3, as: String?.self)).map { items(in: $0).compactMap(EventType.init(rawValue:)) },
            valueCurrencies: (try r.get(4, as: String?.self)).map(items(in:)),
            actionSource: (try r.get(5, as: String?.self)).flatMap(ActionSource.init(rawValue:)),
            allowedDomains: (try r.get(6, as: String?.self)).map(items(in:)),
            surface: (try r.get(7, as: String?.self)).flatMap(JSONValue.parse),
            ext: (try r.get(8, as: String?.self)).flatMap(JSONValue.parse))
        return EventSource(
            accountID: try r.get(0), eventSourceID: try r.get(1), config: config,
            managedBy: EventSource.ManagedBy(rawValue: try r.get(9)) ?? .buyer,
            createdAt: try r.get(10), updatedAt: try r.get(11))
    }

    /// Lists are stored as JSON arrays of strings, as on SQLite.
    static func list(of strings: [String]) -> String {
        JSONValue.array(strings.map(JSONValue.string)).canonicalText
    }

    static func items(in text: String) -> [String] {
        guard case .array(let values)? = JSONValue.parse(text) else { return [] }
        return values.compactMap(\.stringValue)
    }
}
