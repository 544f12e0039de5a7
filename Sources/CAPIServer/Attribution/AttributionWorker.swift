import CAPICore
import CAPIStore
import Logging
import ServiceLifecycle

/// Attributes conversions in the background, from the store's durable
/// cursors: it resumes where it stopped after a restart, and re-examines
/// earlier conversions when late exposures arrive.
///
/// How it shares the store with clients is the store's to say
/// (`StoreTraits.attribution`). A store with one writer (SQLite) gets short
/// passes while clients are sending, so a request never waits long behind
/// one, and after each the worker rests (`keepsResting`): at least as long
/// as the pass held the writer, its commit included, then on while a client
/// write is in flight, up to `maxRest` times as long. Clients that keep the
/// writer busy get most of it, since they wait on every write and
/// attribution does not; clients that leave it free leave the rest to
/// attribution, which then still advances. A store whose writers run side by
/// side gets full passes. When clients are not sending, it runs flat out.
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
    /// How often a resting worker looks whether an ingest write is in flight.
    static let restCheck = Duration.milliseconds(1)
    /// The fewest conversions a pass takes, however slow the last one was.
    static let smallestPass = 10

    /// Conversions for the next pass: the full batch when clients are quiet
    /// or the store takes writers side by side, otherwise as many as fit in
    /// the store's pass length at the last pass's pace.
    static func passSize(
        batch: Int, busy: Bool, last: (conversions: Int, took: Duration)?, pacing: AttributionPacing
    ) -> Int {
        guard busy, case .singleWriter(let passLength, _) = pacing else { return batch }
        guard let last, last.conversions > 0, last.took > .zero else { return min(batch, smallestPass) }
        let fitting = Int(Double(last.conversions) * (passLength / last.took))
        return min(batch, max(smallestPass, fitting))
    }

    /// Whether a worker that has rested `rested` after a pass of `held`
    /// rests on, while clients are sending: at least `held`, and up to
    /// `maxRest` times `held` while a client write is in flight.
    static func keepsResting(rested: Duration, held: Duration, ingestWriting: Bool, maxRest: Int) -> Bool {
        if rested < held { return true }
        return ingestWriting && rested < held * maxRest
    }

    /// Rests after a pass of `held` while clients are sending (`keepsResting`).
    func rest(after held: Duration, maxRest: Int) async throws {
        let start = ContinuousClock.now
        try await Task.sleep(for: held)
        while Self.keepsResting(rested: ContinuousClock.now - start, held: held, ingestWriting: ingest.isWriting, maxRest: maxRest) {
            try await Task.sleep(for: Self.restCheck)
        }
    }

    func run() async throws {
        let idle = Duration.milliseconds(Int64(intervalSeconds * 1000))
        var last: (conversions: Int, took: Duration)?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let at = clock.nowMilliseconds
                let pacing = store.traits.attribution
                let size = Self.passSize(
                    batch: batchSize, busy: ingest.isBusy(recently: Self.ingestQuiet), last: last, pacing: pacing)
                let progress = try await store.attributePending(maxConversions: size, at: at)
                last = (progress.conversions, progress.held)
                if !progress.isIdle { metrics.attributionPass(progress) }
                if progress.isIdle {
                    try await Task.sleep(for: idle)
                } else {
                    if case .singleWriter(_, let maxRest) = pacing, ingest.isBusy(recently: Self.ingestQuiet) {
                        try await rest(after: progress.held, maxRest: maxRest)
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
