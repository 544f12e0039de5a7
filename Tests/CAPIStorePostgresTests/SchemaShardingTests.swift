@testable import CAPIStorePostgres
import PostgresNIO
import Testing

/// The rule that lets the tables be distributed by account (Citus) without a
/// rewrite, checked on the migrated schema itself: every table that grows
/// leads its primary key and every unique index with `account_id`, and
/// every table is either such a table or a declared reference table.
@Suite struct SchemaShardingTests {
    @Test(.enabled(if: TestDatabase.enabled, TestDatabase.skipped))
    func growingTablesLeadEveryUniqueKeyWithTheAccount() async throws {
        try await TestDatabase.withStores { configuration, stores in
            let store = try await stores.open(configuration)
            try await check(store)
        }
    }

    private func check(_ store: PostgresStore) async throws {
        var tables = Set<String>()
        for row in try await store.read("""
            SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
            """) {
            tables.insert(try row.decode(String.self))
        }
        #expect(tables == PostgresSchema.growingTables.union(PostgresSchema.referenceTables), "every table is classified")
        var primaryKeys = Set<String>()
        for row in try await store.read("""
            SELECT c.relname::text, i.indexrelid::regclass::text, i.indisprimary, a.attname::text
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
            WHERE n.nspname = current_schema() AND i.indisunique
            """) {
            let (table, index, isPrimary, firstColumn) = try row.decode((String, String, Bool, String).self)
            guard PostgresSchema.growingTables.contains(table) else { continue }
            if isPrimary { primaryKeys.insert(table) }
            #expect(firstColumn == "account_id", "\(index) on \(table) leads with \(firstColumn)")
        }
        #expect(primaryKeys == PostgresSchema.growingTables, "every growing table has a primary key")
    }
}
