import CAPIStores
import Foundation
import Testing

/// Which store the server tests run on: SQLite unless `CAPI_TEST_STORE` is
/// `postgres`, in which case each server gets a schema of its own in
/// `CAPI_TEST_DATABASE_URL` (`scripts/test.sh` runs the suite both ways).
enum TestStore {
    static let environment = ProcessInfo.processInfo.environment
    static let isPostgres = environment["CAPI_TEST_STORE"] == "postgres"

    /// A new, empty store's location; a SQLite file goes in `folder`.
    static func location(in folder: URL) -> StoreLocation {
        guard isPostgres else { return .sqlite(path: folder.appendingPathComponent("capi.sqlite").path) }
        // The store creates the schema named first in its search path.
        let schema = "capi_http_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let base = environment["CAPI_TEST_DATABASE_URL"] ?? "postgres://missing-CAPI_TEST_DATABASE_URL"
        let separator = base.contains("?") ? "&" : "?"
        return .postgres(url: base + separator + "options=-csearch_path%3D" + schema)
    }

    /// Why a test that needs the SQLite file itself does not run here.
    static let sqliteOnly: Comment = "looks at the SQLite file itself"
}
