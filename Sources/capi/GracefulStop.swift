import CAPIStore
import Logging
import ServiceLifecycle

/// Runs the server until SIGTERM or SIGINT, then stops it gracefully: no new
/// connections, requests in progress finish (for up to `grace` seconds;
/// then they are cancelled), and the store is flushed before the process
/// exits 0.
enum GracefulStop {
    static func run(_ app: some Service, grace: Double, store: any ConversionStore, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64((grace * 1000).rounded()))
        let group = ServiceGroup(configuration: configuration)
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        try await store.close()
        if let failure, !(failure is CancellationError) {
            logger.error("capi stopped on an error", metadata: ["error.type": "\(type(of: failure))"])
            throw failure
        }
        logger.info("capi stopped; the database is flushed")
    }
}
