import CAPICore
import CAPIStore
import Logging
import ServiceLifecycle

/// Attributes conversions in the background, from the store's durable
/// cursors: it resumes where it stopped after a restart, and re-examines
/// earlier conversions when late exposures arrive.
///
/// Each pass holds SQLite's single writer and a core. While clients are
/// sending events, its passes are cut to about `busyPass` long, so a request
/// never waits long behind one (a conversion costs ≈ 95 µs of writer time on
/// a busy server: a full pass of 500 held the writer ≈ 50 ms), and after each
/// the worker rests (`keepsResting`). A pass's time includes its commit,
/// which writes ≈ 3 WAL pages a conversion (its identity keys land all over
/// their index): timed without it, the worker took far more than its share
/// and sustained ingestion fell from run to run (docs/benchmarks.md, eighth
/// round). It rests at least as long as the pass took, then
/// on while an ingest write is in flight, up to `restWhileBusy` times as long.
/// Clients that keep the writer busy get nineteen twentieths of it, since they wait
/// on every write and attribution does not; clients that leave it free leave
/// the rest to attribution, which then still advances. When clients are not
/// sending, it runs flat out in full passes.
///
/// It holds only the settings it uses: the lifecycle logs each service's
/// description at debug level, and the server's settings carry a secret.
struct AttributionWorker: Service, CustomStringConvertible {
    let store: any ConversionStore
    let clock: any CAPIClock
    /// Seconds between passes when idle (`CAPISettings.attributionIntervalSeconds`).
    let intervalSeconds: Double
    /// Conversions in a full pass (`CAPISettings.attributionBatchSize`).
    let batchSize: Int
    let ingest: IngestActivity
    let metrics: CAPIMetrics
    let logger: Logger

    var description: String { "AttributionWorker" }

    /// How long after the last write clients count as still sending.
    static let ingestQuiet = Duration.milliseconds(200)
    /// The longest rest per unit of pass time while clients are sending,
    /// which they get while they keep writing: 19 leaves attribution a
    /// twentieth of the writer (docs/benchmarks.md has how it was chosen).
    /// Attribution cannot keep up with a saturating load at any small share;
    /// it catches up at full speed once clients stop.
    static let restWhileBusy = 19
    /// The shortest rest per unit of pass time while clients are sending.
    static let leastRestWhileBusy = 1
    /// How often a resting worker looks whether an ingest write is in flight.
    static let restCheck = Duration.milliseconds(1)
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

    /// Whether a worker that has rested `rested` after a pass of `held`
    /// rests on, while clients are sending.
    static func keepsResting(rested: Duration, held: Duration, ingestWriting: Bool) -> Bool {
        if rested < held * leastRestWhileBusy { return true }
        return ingestWriting && rested < held * restWhileBusy
    }

    /// Rests after a pass of `held` while clients are sending (`keepsResting`).
    func rest(after held: Duration) async throws {
        let start = ContinuousClock.now
        try await Task.sleep(for: held * Self.leastRestWhileBusy)
        while Self.keepsResting(rested: ContinuousClock.now - start, held: held, ingestWriting: ingest.isWriting) {
            try await Task.sleep(for: Self.restCheck)
        }
    }

    func run() async throws {
        let idle = Duration.milliseconds(Int64(intervalSeconds * 1000))
        var last: (conversions: Int, took: Duration)?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let at = clock.nowMilliseconds
                let size = Self.passSize(
                    batch: batchSize, busy: ingest.isBusy(recently: Self.ingestQuiet), last: last)
                let progress = try await store.attributePending(maxConversions: size, at: at)
                last = (progress.conversions, progress.held)
                if !progress.isIdle { metrics.attributionPass(progress) }
                if progress.isIdle {
                    try await Task.sleep(for: idle)
                } else {
                    if ingest.isBusy(recently: Self.ingestQuiet) {
                        try await rest(after: progress.held)
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
