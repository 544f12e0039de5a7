import CAPIStore
import CAPIStoreSQLite
import CAPIStoreTesting
import Foundation
import Testing

/// The store conformance suite over a real SQLite file, one fresh file per
/// check; after each, the rollups must agree with the raw rows.
@Suite struct SQLiteConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conforms(_ check: ConformanceCheck) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-conformance-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("capi.sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        try await StoreConformance.run(check, store: store) {
            try await store.close()
            let reopened = try SQLiteStore(path: path)
            try await reopened.migrate()
            return reopened
        }
    }
}
