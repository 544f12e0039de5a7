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
                    account_id TEXT NOT NULL REFERENCES accounts(account_id),
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
                    hashed_email TEXT,
                    hashed_phone TEXT,
                    uids TEXT,
                    client_ip TEXT,
                    client_user_agent TEXT,
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
        return migrator
    }
}
