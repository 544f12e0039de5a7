import CAPICore
import Logging

extension ConversionService {
    /// `log_event` on a body received whole, REST or MCP: the one place its
    /// results reach the metrics (`CAPIMetrics.logEvent`).
    func logEvent(body: BatchBytes, principal: Principal, logger: Logger) async -> ServiceAnswer<LogEventResponse> {
        let started = ContinuousClock.now
        var tally: EventTally?
        let answer = await storeLogEvent(body: body, principal: principal, logger: logger, tally: &tally)
        metrics.logEvent(failed: answer.failure != nil, tally: tally, took: ContinuousClock.now - started)
        return answer
    }

    /// `log_event` stored while it arrives; nothing is counted when it falls
    /// back (nil), since the whole read that follows is.
    func logEventArriving(
        _ body: BatchBytes, arrivals: AsyncStream<Void>, principal: Principal
    ) async -> ServiceAnswer<LogEventResponse>? {
        let started = ContinuousClock.now
        var tally: EventTally?
        guard let answer = await storeArrivingLogEvent(body, arrivals: arrivals, principal: principal, tally: &tally) else {
            return nil
        }
        metrics.logEvent(failed: answer.failure != nil, tally: tally, took: ContinuousClock.now - started)
        return answer
    }

    /// `POST /agentic/v1/exposures`: a JSON array or NDJSON of impressions and clicks.
    public func ingestExposures(
        body: [UInt8], ndjson: Bool, principal: Principal, logger: Logger
    ) async -> ServiceAnswer<ExposureFeedResponse> {
        let started = ContinuousClock.now
        let answer = await storeExposures(body: body, ndjson: ndjson, principal: principal, logger: logger)
        metrics.exposures(failed: answer.failure != nil, took: ContinuousClock.now - started)
        return answer
    }

    /// The backlog and log size the store reports, into the metrics; a
    /// store that does not answer leaves the last sample.
    func sampleStoreMetrics() async {
        guard let status = try? await store.status() else { return }
        metrics.sample(status, now: nowMilliseconds)
    }
}
