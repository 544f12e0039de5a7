@testable import CAPIStorePostgres
import Foundation
import PostgresNIO
import Testing

/// The PostgreSQL the tests run against: `CAPI_TEST_DATABASE_URL`, as
/// `scripts/postgres.sh start` exports it. Each test gets a schema of its
/// own in that database, dropped afterwards.
///
/// Without the variable the tests are skipped, saying why; under CI
/// (`CI=true`) they run anyway and fail, so a missing database is never a
/// silent pass.
enum TestDatabase {
    static let url = ProcessInfo.processInfo.environment["CAPI_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let enabled = url != nil || isCI
    static let skipped: Comment = "CAPI_TEST_DATABASE_URL is unset: eval \"$(bash scripts/postgres.sh start)\" to run these"

    /// Connections a test's store may open: checks run side by side.
    static let poolSize = 4

    static func configuration() throws -> PostgresConfiguration {
        guard let url else { throw Missing() }
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = poolSize
        return configuration
    }

    /// Runs `body` with the configuration of a new, empty schema; the
    /// schema and everything in it are dropped afterwards. A database error
    /// says what the server said.
    static func withSchema(_ body: (PostgresConfiguration) async throws -> Void) async throws {
        try await withSchemaNamed { schema, _ in try await body(try configuration().inSchema(schema)) }
    }

    /// Runs `body` with a new, empty schema's configuration and a set of
    /// stores to open on it, every one closed afterwards, failing or not.
    static func withStores(_ body: (PostgresConfiguration, OpenStores) async throws -> Void) async throws {
        try await withSchema { configuration in
            let stores = OpenStores()
            do {
                try await body(configuration, stores)
            } catch {
                await stores.closeAll()
                throw error
            }
            await stores.closeAll()
        }
    }

    /// Runs `body` with the name of a new, empty schema and a store on the
    /// database's default schema, to look at it; both are dropped afterwards.
    static func withSchemaNamed(_ body: (String, PostgresStore) async throws -> Void) async throws {
        try await explainingDatabaseErrors { try await inFreshSchema(body) }
    }

    private static func inFreshSchema(_ body: (String, PostgresStore) async throws -> Void) async throws {
        let base = try configuration()
        let schema = "capi_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = PostgresStore(configuration: base)
        do {
            _ = try await admin.read(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
            try await body(schema, admin)
        } catch {
            _ = try? await admin.read(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
            try? await admin.close()
            throw error
        }
        _ = try await admin.read(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        try await admin.close()
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "CI=true but CAPI_TEST_DATABASE_URL is unset: the PostgreSQL tests must run (scripts/test.sh starts one)"
        }
    }
}

/// The stores a test opened, so that each is closed at its end.
actor OpenStores {
    private var stores: [PostgresStore] = []

    func open(_ configuration: PostgresConfiguration) async throws -> PostgresStore {
        let store = PostgresStore(configuration: configuration)
        stores.append(store)
        try await store.migrate()
        return store
    }

    func closeAll() async {
        for store in stores { try? await store.close() }
        stores = []
    }
}

/// A database error with what the server said: PostgresNIO's own
/// description is generic on purpose (binds may hold secrets), and a test
/// needs the server's message to say what failed.
struct ExplainedDatabaseError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body`, turning a `PSQLError` into one that says what the server said.
func explainingDatabaseErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as PSQLError {
        throw ExplainedDatabaseError(description: String(reflecting: error))
    } catch let error as PostgresDecodingError {
        throw ExplainedDatabaseError(description: String(reflecting: error))
    }
}
