import PostgresNIO

/// The PostgreSQL schema, as numbered migrations recorded in
/// `capi_migrations` and run on every start.
///
/// Every table that grows (events, test events, exposures, identity keys,
/// attributions, counters, rollups, idempotency records) leads its primary
/// key and every unique key with `account_id`, so it can be distributed by
/// account (Citus) without a rewrite; a test checks it. The small tables
/// looked up by something else (accounts, API keys by hash, media buys by
/// their global id, cursors, meta) are reference tables. Seqs come from
/// identity columns: arrival order, as on SQLite.
public enum PostgresSchema {
    /// Advisory lock classes (the first key of the two-key form); the second
    /// key is the schema's, so stores in several schemas of one database
    /// never wait for each other.
    static let migrationLock: Int32 = 0x4341_5031
    static let attributionLock: Int32 = 0x4341_5032
    /// Taken shared by every transaction that stores events or exposures
    /// (`orderWrites`, `CommitHorizon`); nobody takes it exclusive.
    static let writerLock: Int32 = 0x4341_5033

    /// SQL for the lock key of the current schema in `lockClass`.
    static func lockKey(_ lockClass: Int32) -> String {
        "\(lockClass), hashtext(COALESCE(current_schema(), ''))"
    }

    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// Runs the migrations not yet recorded, all in one transaction under a
    /// transaction-level advisory lock: nodes starting at once take turns,
    /// and the later ones find the work done.
    ///
    /// A schema named first in the search path (`options=-csearch_path=capi`
    /// in the URL) is created when missing, so one database can hold several
    /// capi deployments side by side.
    static func migrate(_ store: PostgresStore) async throws {
        try await store.transaction { db in
            try await db.run(PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(\(lockKey(migrationLock)))"))
            try await createSearchPathSchema(db)
            try await db.run("""
                CREATE TABLE IF NOT EXISTS capi_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            var applied = Set<Int>()
            for row in try await db.rows("SELECT version FROM capi_migrations") {
                applied.insert(try Cells(row).get(0, as: Int.self))
            }
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements { try await db.run(PostgresQuery(unsafeSQL: statement)) }
                try await db.run("INSERT INTO capi_migrations (version, name) VALUES (\(migration.version), \(migration.name))")
            }
        }
    }

    /// Creates the search path's first schema when it does not exist yet
    /// (`current_schema()` is null then); `$user` and `public` are left alone.
    private static func createSearchPathSchema(_ db: PostgresConnection) async throws {
        let current = try await db.value("SELECT current_schema()", as: String?.self)
        guard (current ?? nil) == nil,
              let path = try await db.value("SELECT current_setting('search_path')", as: String.self),
              let first = path.split(separator: ",").first?.trimmingCharacters(in: .whitespaces),
              !first.isEmpty, !first.contains("$")
        else { return }
        let name = first.hasPrefix("\"") ? String(first.dropFirst().dropLast()) : first
        try await db.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS " + quotedIdentifier(name)))
    }

    /// `name` as a PostgreSQL identifier, quoted.
    static func quotedIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "v1", statements: v1),
    ]

    /// The first schema: what SQLite reached by its v8, account first.
    static let v1 = [
        // `identity_key_seed` keys the hash under which identity keys are filed.
        "CREATE TABLE store_meta (name text PRIMARY KEY, value text NOT NULL)",
        """
        INSERT INTO store_meta (name, value) VALUES
            ('identity_key_seed', (floor(random() * 9.0e18) - 4.5e18)::bigint::text),
            ('store_id', md5(random()::text || clock_timestamp()::text))
        """,
        "CREATE TABLE accounts (account_id text PRIMARY KEY, name text, created_at bigint NOT NULL)",
        """
        CREATE TABLE api_keys (
            key_hash text PRIMARY KEY,
            prefix text NOT NULL UNIQUE,
            account_id text REFERENCES accounts (account_id),
            role text NOT NULL,
            created_at bigint NOT NULL,
            last_used_at bigint,
            revoked_at bigint
        )
        """,
        "CREATE INDEX api_keys_by_account ON api_keys (account_id)",
        """
        CREATE TABLE event_sources (
            account_id text NOT NULL REFERENCES accounts (account_id),
            event_source_id text NOT NULL,
            name text,
            event_types text,
            value_currencies text,
            action_source text,
            allowed_domains text,
            surface text,
            ext text,
            managed_by text NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            PRIMARY KEY (account_id, event_source_id)
        )
        """,
        // Dedup: the primary key is the natural one (account, source, type,
        // event id). Seqs are unique by their sequence and need no unique
        // index of their own: one index fewer to write per event.
        """
        CREATE TABLE events (
            account_id text NOT NULL,
            seq bigint GENERATED BY DEFAULT AS IDENTITY,
            event_source_id text NOT NULL,
            event_type text NOT NULL,
            event_id text NOT NULL,
            event_time bigint NOT NULL,
            received_at bigint NOT NULL,
            action_source text,
            value double precision,
            currency text,
            order_id text,
            click_id text,
            click_id_type text,
            payload bytea NOT NULL,
            CONSTRAINT events_dedup PRIMARY KEY (account_id, event_source_id, event_type, event_id)
        )
        """,
        // An account's attribution pass reads its events in arrival order.
        "CREATE INDEX events_by_account_seq ON events (account_id, seq)",
        """
        CREATE TABLE test_events (
            account_id text NOT NULL,
            seq bigint GENERATED BY DEFAULT AS IDENTITY,
            event_source_id text NOT NULL,
            test_event_code text NOT NULL,
            event_id text NOT NULL,
            event_type text,
            received_at bigint NOT NULL,
            outcome text NOT NULL,
            error_code text,
            error_message text,
            error_field text,
            payload bytea NOT NULL,
            PRIMARY KEY (account_id, event_source_id, test_event_code, seq)
        )
        """,
        """
        CREATE TABLE idempotency_records (
            account_id text NOT NULL,
            operation text NOT NULL,
            idempotency_key text NOT NULL,
            request_hash text NOT NULL,
            status integer NOT NULL,
            response bytea NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (account_id, operation, idempotency_key)
        )
        """,
        // Media buy ids are global (a link names only the buy): a reference table.
        """
        CREATE TABLE media_buys (
            media_buy_id text PRIMARY KEY,
            account_id text NOT NULL REFERENCES accounts (account_id),
            name text,
            currency text NOT NULL,
            start_time text,
            end_time text,
            packages text NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL
        )
        """,
        "CREATE INDEX media_buys_by_account ON media_buys (account_id, media_buy_id)",
        // `keys`: the exposure's storage keys, separated by U+001E, the
        // ground truth a hashed key entry is checked against.
        """
        CREATE TABLE exposures (
            account_id text NOT NULL,
            seq bigint GENERATED BY DEFAULT AS IDENTITY,
            exposure_id text NOT NULL,
            kind text NOT NULL,
            media_buy_id text NOT NULL,
            package_id text NOT NULL,
            creative_id text NOT NULL,
            time bigint NOT NULL,
            cost double precision,
            click_id text,
            keys text NOT NULL,
            received_at bigint NOT NULL,
            CONSTRAINT exposures_dedup PRIMARY KEY (account_id, exposure_id)
        )
        """,
        "CREATE INDEX exposures_by_account_seq ON exposures (account_id, seq)",
        // Identity keys of exposures, by a seeded 64-bit hash of the key text.
        """
        CREATE TABLE exposure_keys (
            account_id text NOT NULL,
            key_hash bigint NOT NULL,
            time bigint NOT NULL,
            exposure_seq bigint NOT NULL,
            PRIMARY KEY (account_id, key_hash, time, exposure_seq)
        )
        """,
        """
        CREATE TABLE event_keys (
            account_id text NOT NULL,
            key text NOT NULL,
            event_time bigint NOT NULL,
            event_seq bigint NOT NULL,
            PRIMARY KEY (account_id, key, event_time, event_seq)
        )
        """,
        "CREATE INDEX event_keys_by_event ON event_keys (account_id, event_seq)",
        """
        CREATE TABLE attributions (
            account_id text NOT NULL,
            event_seq bigint NOT NULL,
            event_source_id text NOT NULL,
            event_type text NOT NULL,
            event_id text NOT NULL,
            event_time bigint NOT NULL,
            action_source text,
            received_at bigint NOT NULL,
            value double precision,
            currency text,
            status text NOT NULL,
            duplicate_of bigint,
            exposure_seq bigint,
            exposure_id text,
            exposure_kind text,
            media_buy_id text,
            package_id text,
            creative_id text,
            model text,
            matched_by text,
            lag_ms bigint,
            window_ms bigint,
            attributed_at bigint NOT NULL,
            PRIMARY KEY (account_id, event_seq)
        )
        """,
        "CREATE INDEX attributions_by_event ON attributions (account_id, event_type, event_id, event_seq)",
        """
        CREATE TABLE source_counters (
            account_id text NOT NULL,
            event_source_id text NOT NULL,
            hour bigint NOT NULL,
            received bigint NOT NULL DEFAULT 0,
            accepted bigint NOT NULL DEFAULT 0,
            failed bigint NOT NULL DEFAULT 0,
            duplicates bigint NOT NULL DEFAULT 0,
            test_events bigint NOT NULL DEFAULT 0,
            unmatchable bigint NOT NULL DEFAULT 0,
            foreign_clicks bigint NOT NULL DEFAULT 0,
            valued_without_currency bigint NOT NULL DEFAULT 0,
            attributed bigint NOT NULL DEFAULT 0,
            last_event_at bigint,
            PRIMARY KEY (account_id, event_source_id, hour)
        )
        """,
        // How far each account's attribution has read its events
        // (`conversions`) and its exposures (`exposures`), by seq.
        """
        CREATE TABLE attribution_cursors (
            account_id text NOT NULL,
            name text NOT NULL,
            position bigint NOT NULL,
            PRIMARY KEY (account_id, name)
        )
        """,
        """
        CREATE TABLE exposure_rollups (
            account_id text NOT NULL,
            media_buy_id text NOT NULL,
            package_id text NOT NULL,
            creative_id text NOT NULL,
            hour bigint NOT NULL,
            impressions bigint NOT NULL,
            clicks bigint NOT NULL,
            spend double precision NOT NULL,
            PRIMARY KEY (account_id, media_buy_id, package_id, creative_id, hour)
        )
        """,
        """
        CREATE TABLE conversion_rollups (
            account_id text NOT NULL,
            media_buy_id text NOT NULL,
            package_id text NOT NULL,
            creative_id text NOT NULL,
            hour bigint NOT NULL,
            event_type text NOT NULL,
            action_source text NOT NULL,
            currency text NOT NULL,
            count bigint NOT NULL,
            value double precision NOT NULL,
            PRIMARY KEY (account_id, media_buy_id, package_id, creative_id, hour, event_type, action_source, currency)
        )
        """,
    ]

    /// The tables that grow with traffic: each must lead its primary key
    /// and every unique key with `account_id` (checked by a test).
    public static let growingTables: Set<String> = [
        "event_sources", "events", "test_events", "idempotency_records", "exposures", "exposure_keys", "event_keys",
        "attributions", "source_counters", "exposure_rollups", "conversion_rollups", "attribution_cursors",
    ]

    /// Small tables looked up by something other than an account: kept whole
    /// on every node of a distributed database.
    public static let referenceTables: Set<String> = [
        "capi_migrations", "store_meta", "accounts", "api_keys", "media_buys",
    ]
}
