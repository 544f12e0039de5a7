import CAPICore
import CAPIStore
import GRDB

/// The SQLite schema, as numbered migrations that run on every start.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE accounts (
                    account_id TEXT PRIMARY KEY,
                    name TEXT,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE api_keys (
                    key_hash TEXT PRIMARY KEY,
                    prefix TEXT NOT NULL UNIQUE,
                    account_id TEXT REFERENCES accounts(account_id),
                    role TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER,
                    revoked_at INTEGER
                );
                CREATE INDEX api_keys_by_account ON api_keys(account_id);
                CREATE TABLE event_sources (
                    account_id TEXT NOT NULL REFERENCES accounts(account_id),
                    event_source_id TEXT NOT NULL,
                    name TEXT,
                    event_types TEXT,
                    value_currencies TEXT,
                    action_source TEXT,
                    allowed_domains TEXT,
                    surface TEXT,
                    ext TEXT,
                    managed_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (account_id, event_source_id)
                ) WITHOUT ROWID;
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    event_source_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    event_time INTEGER NOT NULL,
                    received_at INTEGER NOT NULL,
                    action_source TEXT,
                    value REAL,
                    currency TEXT,
                    order_id TEXT,
                    click_id TEXT,
                    click_id_type TEXT,
                    identity_keys TEXT,
                    payload BLOB NOT NULL
                );
                CREATE UNIQUE INDEX events_dedup
                    ON events(account_id, event_source_id, event_type, event_id);
                CREATE TABLE test_events (
                    seq INTEGER PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    event_source_id TEXT NOT NULL,
                    test_event_code TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    event_type TEXT,
                    received_at INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    error_code TEXT,
                    error_message TEXT,
                    error_field TEXT,
                    payload BLOB NOT NULL
                );
                CREATE INDEX test_events_lookup
                    ON test_events(account_id, event_source_id, test_event_code, seq);
                CREATE TABLE idempotency_records (
                    account_id TEXT NOT NULL,
                    operation TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    response BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (account_id, operation, idempotency_key)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2-attribution") { db in
            try db.execute(sql: """
                CREATE TABLE media_buys (
                    media_buy_id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(account_id),
                    name TEXT,
                    currency TEXT NOT NULL,
                    start_time TEXT,
                    end_time TEXT,
                    packages TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX media_buys_by_account ON media_buys(account_id, media_buy_id);
                CREATE TABLE exposures (
                    seq INTEGER PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    exposure_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    media_buy_id TEXT NOT NULL,
                    package_id TEXT NOT NULL,
                    creative_id TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    cost REAL,
                    click_id TEXT,
                    keys TEXT NOT NULL,
                    received_at INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX exposures_dedup ON exposures(account_id, exposure_id);
                CREATE INDEX exposures_by_buy ON exposures(media_buy_id, time);
                CREATE TABLE exposure_keys (
                    account_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    exposure_seq INTEGER NOT NULL
                );
                CREATE INDEX exposure_keys_lookup ON exposure_keys(account_id, key, time);
                CREATE TABLE event_keys (
                    account_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    event_time INTEGER NOT NULL,
                    event_seq INTEGER NOT NULL
                );
                CREATE INDEX event_keys_lookup ON event_keys(account_id, key, event_time);
                CREATE INDEX event_keys_by_event ON event_keys(event_seq);
                CREATE TABLE attributions (
                    event_seq INTEGER PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    event_source_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    event_time INTEGER NOT NULL,
                    action_source TEXT,
                    received_at INTEGER NOT NULL,
                    value REAL,
                    currency TEXT,
                    status TEXT NOT NULL,
                    duplicate_of INTEGER,
                    exposure_seq INTEGER,
                    exposure_id TEXT,
                    exposure_kind TEXT,
                    media_buy_id TEXT,
                    package_id TEXT,
                    creative_id TEXT,
                    model TEXT,
                    matched_by TEXT,
                    lag_ms INTEGER,
                    window_ms INTEGER,
                    attributed_at INTEGER NOT NULL
                );
                CREATE INDEX attributions_by_event ON attributions(account_id, event_type, event_id, event_seq);
                CREATE INDEX attributions_by_buy ON attributions(media_buy_id, event_time);
                CREATE TABLE source_counters (
                    account_id TEXT NOT NULL,
                    event_source_id TEXT NOT NULL,
                    hour INTEGER NOT NULL,
                    received INTEGER NOT NULL DEFAULT 0,
                    accepted INTEGER NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0,
                    duplicates INTEGER NOT NULL DEFAULT 0,
                    test_events INTEGER NOT NULL DEFAULT 0,
                    unmatchable INTEGER NOT NULL DEFAULT 0,
                    foreign_clicks INTEGER NOT NULL DEFAULT 0,
                    valued_without_currency INTEGER NOT NULL DEFAULT 0,
                    attributed INTEGER NOT NULL DEFAULT 0,
                    last_event_at INTEGER,
                    PRIMARY KEY (account_id, event_source_id, hour)
                ) WITHOUT ROWID;
                CREATE TABLE attribution_cursors (
                    name TEXT PRIMARY KEY,
                    position INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        // The same unique key, event id first: ids differ in their first
        // column, so each b-tree comparison stops there instead of walking
        // account, source and type, which all of a sender's events share.
        // An existing database rebuilds the index once, as it starts.
        migrator.registerMigration("v3-dedup-id-first") { db in
            try db.execute(sql: """
                DROP INDEX events_dedup;
                CREATE UNIQUE INDEX events_dedup ON events(event_id, event_type, event_source_id, account_id);
                """)
        }
        // Delivery reports read only attributed conversions by media buy;
        // the rest (most conversions: unattributed, duplicates) need no
        // entry. Every entry was a random insert by event time, a WAL page
        // per row for the attribution worker.
        migrator.registerMigration("v4-attributions-by-buy-partial") { db in
            try db.execute(sql: """
                DROP INDEX attributions_by_buy;
                CREATE INDEX attributions_by_buy ON attributions(media_buy_id, event_time) WHERE status = 'attributed';
                """)
        }
        // Reports read hourly rollups, kept by the exposure and attribution
        // writes; the migration fills them from the rows already stored.
        migrator.registerMigration("v5-rollups") { db in
            try db.execute(sql: SQLiteRollups.createTables)
            try SQLiteRollups.fill(db)
        }
        // Dedup moves to its own small-page file (`EventIDIndex`), which
        // knows the main file by the id in `store_meta`; its entries are
        // made when the store opens. Reports read the rollups, so the
        // indexes by media buy only cost every exposure and attribution.
        migrator.registerMigration("v6-dedup-index-file") { db in
            try db.execute(sql: """
                CREATE TABLE store_meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
                DROP INDEX events_dedup;
                DROP INDEX exposures_by_buy;
                DROP INDEX attributions_by_buy;
                """)
            var generator = SystemRandomNumberGenerator()
            let id = (0..<16).map { _ in String(Int(UInt8.random(in: .min ... .max, using: &generator)) | 0x100, radix: 16).dropFirst() }.joined()
            try db.execute(sql: "INSERT INTO store_meta (name, value) VALUES ('store_id', ?)", arguments: [id])
        }
        // Identity keys are filed by a keyed 64-bit hash (`IdentityKeyHashes`,
        // `ExposureKeyIndex`): three integers an entry in one b-tree instead
        // of the key's text in a table and again in its index.
        migrator.registerMigration("v7-exposure-key-hashes") { db in
            let hashes = try IdentityKeyHashes.create(db)
            try db.execute(sql: "DROP TABLE exposure_keys")
            try db.execute(sql: ExposureKeyIndex.createTable(ExposureKeyIndex.settled))
            try ExposureKeyIndex.fill(db, hashes: hashes)
        }
        // New identity-key entries go to a small tier first, settled into
        // the large one a slice of the hash space at a time (`ExposureKeyIndex`).
        migrator.registerMigration("v8-exposure-keys-two-tiers") { db in
            try db.execute(sql: ExposureKeyIndex.createTable(ExposureKeyIndex.fresh))
        }
        return migrator
    }
}
