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
/// and attribution still advances; and its passes are cut to about
/// `busyPass` long, so a request never waits long behind one (a conversion
/// costs ≈ 95 µs of writer time on a busy server: a full pass of 500 held the
/// writer ≈ 50 ms). When clients are not sending, it runs flat out in full
/// passes.
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
    /// About how long one pass may hold the writer while clients are sending.
    static let busyPass = Duration.milliseconds(10)
    /// The fewest conversions a pass takes, however slow the last one was.
    static let smallestPass = 10

    /// Conversions for the next pass: the full batch when clients are quiet,
    /// otherwise as many as fit in `busyPass` at the last pass's pace.
    static func passSize(batch: Int, busy: Bool, last: (conversions: Int, took: Duration)?) -> Int {
        guard busy else { return batch }
        guard let last, last.conversions > 0, last.took > .zero else { return min(batch, smallestPass) }
        let fitting = Int(Double(last.conversions) * (busyPass / last.took))
        return min(batch, max(smallestPass, fitting))
    }

    func run() async throws {
        let idle = Duration.milliseconds(Int64(settings.attributionIntervalSeconds * 1000))
        var last: (conversions: Int, took: Duration)?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let at = Int64(clock.now().timeIntervalSince1970 * 1000)
                let size = Self.passSize(
                    batch: settings.attributionBatchSize, busy: ingest.isBusy(recently: Self.ingestQuiet), last: last)
                let progress = try await store.attributePending(maxConversions: size, at: at)
                last = (progress.conversions, progress.held)
                if progress.isIdle {
                    try await Task.sleep(for: idle)
                } else {
                    if ingest.isBusy(recently: Self.ingestQuiet) {
                        try await Task.sleep(for: progress.held * Self.restWhileBusy)
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
