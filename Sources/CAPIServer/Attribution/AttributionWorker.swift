import CAPICore
import CAPIStore
import Logging
import ServiceLifecycle

/// Attributes conversions in the background, from the store's durable
/// cursors: it resumes where it stopped after a restart, and re-examines
/// earlier conversions when late exposures arrive.
///
/// Each pass holds SQLite's single writer and a core. While clients are
/// sending events, the worker rests four times as long as each pass took, so
/// ingestion, which clients wait on, gets at least four fifths of the writer
/// and attribution still advances; when they are not, it runs flat out.
struct AttributionWorker: Service {
    let store: any ConversionStore
    let clock: any CAPIClock
    let settings: CAPISettings
    let ingest: IngestActivity
    let logger: Logger

    /// How long after the last write clients count as still sending.
    static let ingestQuiet = Duration.milliseconds(200)
    /// Rest per unit of pass time while clients are sending.
    static let restWhileBusy = 4

    func run() async throws {
        let idle = Duration.milliseconds(Int64(settings.attributionIntervalSeconds * 1000))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let at = Int64(clock.now().timeIntervalSince1970 * 1000)
                let started = ContinuousClock.now
                let progress = try await store.attributePending(maxConversions: settings.attributionBatchSize, at: at)
                if progress.isIdle {
                    try await Task.sleep(for: idle)
                } else {
                    if ingest.isBusy(recently: Self.ingestQuiet) {
                        try await Task.sleep(for: (ContinuousClock.now - started) * Self.restWhileBusy)
                    } else {
                        await Task.yield()
                    }
                    logger.debug("attributed", metadata: ["conversions": "\(progress.conversions)", "reexamined": "\(progress.reexamined)"])
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("attribution pass failed; retrying", metadata: ["error": "\(type(of: error))"])
                try? await Task.sleep(for: idle)
            }
        }
    }
}
