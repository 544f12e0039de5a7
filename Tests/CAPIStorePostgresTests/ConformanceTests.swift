import CAPIStore
import CAPIStorePostgres
import CAPIStoreTesting
import Testing

/// The store conformance suite over a real PostgreSQL, one fresh schema per
/// check; after each, the rollups must agree with the raw rows.
@Suite struct PostgresConformanceTests {
    @Test(.enabled(if: TestDatabase.enabled, TestDatabase.skipped), arguments: StoreConformance.checks)
    func conforms(_ check: ConformanceCheck) async throws {
        try await TestDatabase.withStores { configuration, stores in
            let store = try await stores.open(configuration)
            try await StoreConformance.run(check, store: store) {
                try await store.close()
                return try await stores.open(configuration)
            }
        }
    }
}
