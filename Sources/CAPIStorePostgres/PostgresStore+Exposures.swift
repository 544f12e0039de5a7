import CAPICore
import CAPIStore
import PostgresNIO

extension PostgresStore {
    /// Stores a feed's exposures once each (by account and `exposure_id`),
    /// files every key of each new one in `exposure_keys`, and adds them to
    /// the rollups, in one transaction of three statements. Returns how many
    /// were new.
    public func insertExposures(_ exposures: [Exposure], receivedAt: Int64) async throws -> Int {
        guard !exposures.isEmpty else { return 0 }
        let keys = exposures.map(\.storageKeys)
        return try await transaction { db in
            try await db.orderWrites()
            let stored = try await Self.insertRows(exposures, keys: keys, receivedAt: receivedAt, db)
            try await Self.fileKeys(stored.map { (exposures[$0.index], keys[$0.index], $0.seq) }, db)
            try await PostgresRollups.add(db, ExposureRollupDelta.tally(stored.map { exposures[$0.index] }))
            return stored.count
        }
    }

    /// Inserts the exposures; returns the new ones, each by its index in
    /// `exposures` (the first of equal keys) and its seq. Seqs are taken in
    /// arrival order, rows go in in key order (as events do).
    private static func insertRows(
        _ exposures: [Exposure], keys: [[String]], receivedAt: Int64, _ db: PostgresConnection
    ) async throws -> [(index: Int, seq: Int64)] {
        let rows = try await db.rows("""
            INSERT INTO exposures (seq, account_id, exposure_id, kind, media_buy_id, package_id, creative_id, time, cost, click_id,
                keys, received_at)
            SELECT u.seq, u.account_id, u.exposure_id, u.kind, u.media_buy_id, u.package_id, u.creative_id, u.time, u.cost, u.click_id,
                u.keys, \(receivedAt)
            FROM (
                SELECT nextval('exposures_seq_seq'::regclass) AS seq, a.*
                FROM unnest(\(exposures.map(\.accountID))::text[], \(exposures.map(\.exposureID))::text[],
                \(exposures.map(\.kind.rawValue))::text[], \(exposures.map(\.mediaBuyID))::text[], \(exposures.map(\.packageID))::text[],
                \(exposures.map(\.creativeID))::text[], \(exposures.map(\.time))::int8[], \(NullableArray(exposures.map(\.cost)))::float8[],
                \(NullableArray(exposures.map(\.clickID)))::text[], \(keys.map { $0.joined(separator: IdentityKey.listSeparator) })::text[])
                WITH ORDINALITY AS a(account_id, exposure_id, kind, media_buy_id, package_id, creative_id, time, cost, click_id, keys, n)
                ORDER BY a.n) AS u
            ORDER BY u.account_id COLLATE "C", u.exposure_id COLLATE "C", u.n
            ON CONFLICT (account_id, exposure_id) DO NOTHING
            RETURNING account_id, exposure_id, seq
            """)
        var first: [ExposureKey: Int] = [:]
        for (index, e) in exposures.enumerated() where first[ExposureKey(e)] == nil { first[ExposureKey(e)] = index }
        return try rows.map { row -> (index: Int, seq: Int64) in
            let r = Cells(row)
            let key = ExposureKey(account: try r.get(0), id: try r.get(1))
            guard let index = first[key] else { throw StoreError.conflict("the database stored an exposure it was not sent") }
            return (index, try r.get(2, as: Int64.self))
        }.sorted { $0.seq < $1.seq }
    }

    /// Files each key of each new exposure under its seeded hash
    /// (`identityKeyHash`); a lookup checks the exposure's own keys, so a
    /// colliding hash never matches.
    private static func fileKeys(_ stored: [(exposure: Exposure, keys: [String], seq: Int64)], _ db: PostgresConnection) async throws {
        var accounts: [String] = []
        var texts: [String] = []
        var times: [Int64] = []
        var seqs: [Int64] = []
        for (e, keys, seq) in stored {
            for key in keys {
                accounts.append(e.accountID)
                texts.append(key)
                times.append(e.time)
                seqs.append(seq)
            }
        }
        guard !seqs.isEmpty else { return }
        try await db.run("""
            INSERT INTO exposure_keys (account_id, key_hash, time, exposure_seq)
            SELECT u.account_id, \(unescaped: identityKeyHash("u.key")), u.time, u.seq
            FROM unnest(\(accounts)::text[], \(texts)::text[], \(times)::int8[], \(seqs)::int8[]) AS u(account_id, key, time, seq)
            ORDER BY 1, 2, 3, 4
            ON CONFLICT DO NOTHING
            """)
    }

    /// SQL for the 64-bit hash an identity key is filed under: seeded with
    /// the store's secret (`store_meta`), so nobody who sends identifiers
    /// can make them crowd one entry.
    static func identityKeyHash(_ column: String) -> String {
        "hashtextextended(\(column), (SELECT value::bigint FROM store_meta WHERE name = 'identity_key_seed'))"
    }

    public func storedExposures(accountID: String, afterSeq: Int64, limit: Int) async throws -> [StoredExposureRecord] {
        try await read("""
            SELECT \(unescaped: Self.exposureColumns), received_at FROM exposures
            WHERE account_id = \(accountID) AND seq > \(afterSeq) ORDER BY seq LIMIT \(limit)
            """).map { row in
            StoredExposureRecord(seq: try Cells(row).get(0), exposure: try Self.exposure(row), receivedAt: try Cells(row).get(10))
        }
    }

    /// The columns `exposure(_:)` reads, seq first.
    static let exposureColumns = "seq, exposure_id, kind, account_id, media_buy_id, package_id, creative_id, time, cost, click_id"

    static func exposure(_ row: PostgresRow) throws -> Exposure {
        let r = Cells(row)
        return Exposure(
            exposureID: try r.get(1), kind: Exposure.Kind(rawValue: try r.get(2)) ?? .impression, accountID: try r.get(3),
            mediaBuyID: try r.get(4), packageID: try r.get(5), creativeID: try r.get(6), time: try r.get(7),
            cost: try r.get(8), clickID: try r.get(9))
    }
}

/// An exposure's dedup key.
private struct ExposureKey: Hashable {
    var account: String
    var id: String

    init(account: String, id: String) {
        self.account = account
        self.id = id
    }

    init(_ e: Exposure) { self.init(account: e.accountID, id: e.exposureID) }
}
