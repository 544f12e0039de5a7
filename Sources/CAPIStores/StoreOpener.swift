import CAPIStore
import CAPIStorePostgres
import CAPIStoreSQLite
import CoreMetrics
import Logging

/// Opens the store a location names, with its schema up to date: the one
/// place that knows every concrete store.
public enum StoreOpener {
    /// How the process will use the store.
    public enum Workload: Sendable {
        /// A long-running server.
        case server
        /// A one-off bulk job such as `capi attribute --rebuild`.
        case bulk
    }

    public static func open(
        _ location: StoreLocation, workload: Workload = .server, metrics: (any MetricsFactory)? = nil, logger: Logger? = nil
    ) async throws -> any ConversionStore {
        switch location {
        case .sqlite(let path):
            let store = try SQLiteStore(
                path: path, workload: workload == .bulk ? .bulk : .server, metrics: metrics, logger: logger)
            try await store.migrate()
            return store
        case .postgres(let url):
            // TLS, password and the rest from the URL or the PG* variables;
            // the pool's size from CAPI_PG_POOL_SIZE.
            let configuration: PostgresConfiguration
            do {
                configuration = try PostgresConfiguration(url: url)
            } catch {
                throw StoreLocationError(text: location.description, reason: "cannot be used: \(error.reason)")
            }
            let store = PostgresStore(configuration: configuration, logger: logger)
            do {
                try await store.migrate()
            } catch {
                try? await store.close()
                throw error
            }
            return store
        }
    }
}
