import CAPICore

extension ConversionService {
    /// `log_event` on a body received whole, REST or MCP: the one place its
    /// results reach the metrics (`CAPIMetrics.logEvent`).
    func logEvent(body: BatchBytes, principal: Principal) async -> ServiceReply {
        let started = ContinuousClock.now
        let reply = await storeLogEvent(body: body, principal: principal)
        metrics.logEvent(reply, took: ContinuousClock.now - started)
        return reply
    }

    /// `log_event` stored while it arrives; nothing is counted when it falls
    /// back (nil), since the whole read that follows is.
    func logEventArriving(_ body: BatchBytes, arrivals: AsyncStream<Void>, principal: Principal) async -> ServiceReply? {
        let started = ContinuousClock.now
        guard let reply = await storeArrivingLogEvent(body, arrivals: arrivals, principal: principal) else { return nil }
        metrics.logEvent(reply, took: ContinuousClock.now - started)
        return reply
    }

    /// `POST /agentic/v1/exposures`: a JSON array or NDJSON of impressions and clicks.
    public func ingestExposures(body: [UInt8], ndjson: Bool, principal: Principal) async -> ServiceReply {
        let started = ContinuousClock.now
        let reply = await storeExposures(body: body, ndjson: ndjson, principal: principal)
        metrics.exposures(reply, took: ContinuousClock.now - started)
        return reply
    }

    /// The backlog and log size the store reports, into the metrics; a
    /// store that does not answer leaves the last sample.
    func sampleStoreMetrics() async {
        guard let status = try? await store.status() else { return }
        metrics.sample(status, now: nowMilliseconds)
    }
}
