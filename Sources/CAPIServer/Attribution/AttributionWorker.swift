import CAPICore
import CAPIStore
import Logging
import ServiceLifecycle

/// Attributes conversions in the background, from the store's durable
/// cursors: it resumes where it stopped after a restart, and re-examines
/// earlier conversions when late exposures arrive.
///
/// Each pass holds SQLite's single writer, so after a busy pass the worker
/// rests as long as the pass took: ingestion, which answers clients, always
/// gets at least half of the writer.
struct AttributionWorker: Service {
    let store: any ConversionStore
    let clock: any CAPIClock
    let settings: CAPISettings
    let logger: Logger

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
                    try await Task.sleep(for: ContinuousClock.now - started)
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
