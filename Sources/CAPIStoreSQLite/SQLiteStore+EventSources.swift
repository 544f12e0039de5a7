import CAPIStore
import CAPICore
import GRDB

extension SQLiteStore {
    public func eventSources(accountID: String) async throws -> [EventSource] {
        try await pool.read { db in try Self.fetchSources(db, accountID: accountID) }
    }

    public func eventSource(accountID: String, id: String) async throws -> EventSource? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM event_sources WHERE account_id = ? AND event_source_id = ?",
                arguments: [accountID, id]
            ).map(Self.eventSource)
        }
    }

    public func upsertEventSource(_ source: EventSource) async throws {
        try await durableWrite { db in try Self.write(source, db) }
    }

    public func syncEventSources(
        accountID: String, idempotency: IdempotencyClaim?,
        plan: @Sendable ([EventSource]) -> EventSourceSync.Plan,
        respond: @Sendable (EventSourceSync.Plan) -> [UInt8]
    ) async throws -> StoreOutcome<EventSourceSync.Plan> {
        try await durableWrite { db in
            if let idempotency, let record = try Self.idempotencyRecord(db, accountID: accountID, claim: idempotency) {
                return .replay(record)
            }
            let planned = plan(try Self.fetchSources(db, accountID: accountID))
            for source in planned.writes { try Self.write(source, db) }
            for id in planned.deletions {
                try db.execute(
                    sql: "DELETE FROM event_sources WHERE account_id = ? AND event_source_id = ? AND managed_by = 'buyer'",
                    arguments: [accountID, id])
            }
            let response = respond(planned)
            if let idempotency {
                try Self.recordIdempotency(db, accountID: accountID, claim: idempotency, response: response)
            }
            return .written(planned, response: response)
        }
    }

    static func fetchSources(_ db: Database, accountID: String) throws -> [EventSource] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM event_sources WHERE account_id = ? ORDER BY event_source_id",
            arguments: [accountID]
        ).map(eventSource)
    }

    static func write(_ s: EventSource, _ db: Database) throws {
        let c = s.config
        try db.execute(
            sql: """
                INSERT INTO event_sources (account_id, event_source_id, name, event_types, value_currencies,
                    action_source, allowed_domains, surface, ext, managed_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (account_id, event_source_id) DO UPDATE SET
                    name = excluded.name, event_types = excluded.event_types,
                    value_currencies = excluded.value_currencies, action_source = excluded.action_source,
                    allowed_domains = excluded.allowed_domains, surface = excluded.surface, ext = excluded.ext,
                    managed_by = excluded.managed_by, updated_at = excluded.updated_at
                """,
            arguments: [
                s.accountID, s.eventSourceID, c.name,
                c.eventTypes.map { list(of: $0.map(\.rawValue)) },
                c.valueCurrencies.map(list(of:)),
                c.actionSource?.rawValue,
                c.allowedDomains.map(list(of:)),
                c.surface?.canonicalText, c.ext?.canonicalText,
                s.managedBy.rawValue, s.createdAt, s.updatedAt,
            ])
    }

    static func eventSource(_ row: Row) -> EventSource {
        let config = EventSourceConfig(
            name: row["name"],
            eventTypes: (row["event_types"] as String?).map { items(in: $0).compactMap(EventType.init(rawValue:)) },
            valueCurrencies: (row["value_currencies"] as String?).map(items(in:)),
            actionSource: (row["action_source"] as String?).flatMap(ActionSource.init(rawValue:)),
            allowedDomains: (row["allowed_domains"] as String?).map(items(in:)),
            surface: (row["surface"] as String?).flatMap(JSONValue.parse),
            ext: (row["ext"] as String?).flatMap(JSONValue.parse))
        return EventSource(
            accountID: row["account_id"], eventSourceID: row["event_source_id"], config: config,
            managedBy: EventSource.ManagedBy(rawValue: row["managed_by"]) ?? .buyer,
            createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    /// Lists are stored as JSON arrays of strings.
    static func list(of strings: [String]) -> String {
        JSONValue.array(strings.map(JSONValue.string)).canonicalText
    }

    static func items(in text: String) -> [String] {
        guard case .array(let values)? = JSONValue.parse(text) else { return [] }
        return values.compactMap(\.stringValue)
    }
}
