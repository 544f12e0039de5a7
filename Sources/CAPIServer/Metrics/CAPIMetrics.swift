import CAPIStore
import CoreMetrics
import Prometheus
import Synchronization

/// The server's Prometheus metrics, served at `GET /metrics`.
///
/// One per application, so the servers of a test process keep apart; `capi
/// serve` also bootstraps swift-metrics with `factory`, so what libraries
/// and the store record through swift-metrics lands in the same registry.
/// Every handle on a hot path is made once and only added to per batch or
/// per request, never per event.
public final class CAPIMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// swift-metrics over `registry`, with buckets for the store's timers.
    public let factory: PrometheusMetricsFactory

    // log_event, REST and MCP alike (`ConversionService.measuredLogEvent`).
    let eventsAccepted: Prometheus.Counter
    let eventsDuplicate: Prometheus.Counter
    let eventsRefused: Prometheus.Counter
    let logEventBatches: [BatchOutcome: Prometheus.Counter]
    let logEventSeconds: DurationHistogram
    // POST /agentic/v1/exposures
    let exposureBatches: [BatchOutcome: Prometheus.Counter]
    let exposuresSeconds: DurationHistogram
    // The attribution worker and the store, sampled on scrape.
    let attributedConversions: Prometheus.Counter
    let reexaminedConversions: Prometheus.Counter
    let attributionPassSeconds: DurationHistogram
    let attributionLagConversions: Prometheus.Gauge
    let attributionLagSeconds: Prometheus.Gauge
    let attributionLagExposures: Prometheus.Gauge
    let walBytes: Prometheus.Gauge
    let dedupEntriesInMemory: Prometheus.Gauge

    private let requests = Mutex<[RequestKey: RequestHandles]>([:])
    private let rateLimits = Mutex<[String: Prometheus.Counter]>([:])

    /// How a batch call ended.
    enum BatchOutcome: String, CaseIterable, Sendable {
        /// Written now (some events or exposures may have been refused).
        case stored
        /// Answered from an earlier call with the same idempotency key.
        case replayed
        /// Refused whole (4xx) or not stored (5xx).
        case refused
    }

    private struct RequestKey: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private struct RequestHandles {
        var count: Prometheus.Counter
        var seconds: DurationHistogram
    }

    /// Latencies of whole batches: one event to a 10,000-event batch.
    static let batchBuckets: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000]
        .map { Duration.microseconds(Int64($0 * 1_000)) }
    /// Latencies of a disk sync or a write transaction: from a fraction of a millisecond.
    static let storeBuckets: [Duration] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500]
        .map { Duration.microseconds(Int64($0 * 1_000)) }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[StoreMetrics.writeSeconds] = Self.storeBuckets
        factory.durationHistogramBuckets[StoreMetrics.walSyncSeconds] = Self.storeBuckets
        self.factory = factory

        let events = MetricNameDescriptor(
            namespace: "capi", metricName: "events", unitName: "total",
            helpText: "log_event events by result: accepted (newly stored), duplicate (stored before), refused (failed validation)")
        eventsAccepted = registry.makeCounter(descriptor: events, labels: [("result", "accepted")])
        eventsDuplicate = registry.makeCounter(descriptor: events, labels: [("result", "duplicate")])
        eventsRefused = registry.makeCounter(descriptor: events, labels: [("result", "refused")])

        func batches(_ name: String, _ help: String) -> [BatchOutcome: Prometheus.Counter] {
            let descriptor = MetricNameDescriptor(namespace: "capi", metricName: name, unitName: "total", helpText: help)
            return Dictionary(uniqueKeysWithValues: BatchOutcome.allCases.map {
                ($0, registry.makeCounter(descriptor: descriptor, labels: [("outcome", $0.rawValue)]))
            })
        }
        func histogram(_ name: String, _ help: String, _ buckets: [Duration]) -> DurationHistogram {
            registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(namespace: "capi", metricName: name, unitName: "seconds", helpText: help),
                buckets: buckets)
        }
        func gauge(_ name: String, _ unit: String, _ help: String) -> Prometheus.Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "capi", metricName: name, unitName: unit, helpText: help))
        }
        logEventBatches = batches("log_event_batches", "log_event calls by outcome: stored, replayed (idempotency key), refused")
        logEventSeconds = histogram("log_event_duration", "Time to answer a log_event call, REST or MCP, until it is durable", Self.batchBuckets)
        exposureBatches = batches("exposure_batches", "Exposure feed requests by outcome: stored, refused")
        exposuresSeconds = histogram("exposures_duration", "Time to answer an exposure feed request", Self.batchBuckets)

        let attributed = MetricNameDescriptor(
            namespace: "capi", metricName: "attribution_conversions", unitName: "total",
            helpText: "Conversions decided by the background attributor: first (examined for the first time), reexamined (late exposures)")
        attributedConversions = registry.makeCounter(descriptor: attributed, labels: [("kind", "first")])
        reexaminedConversions = registry.makeCounter(descriptor: attributed, labels: [("kind", "reexamined")])
        attributionPassSeconds = histogram(
            "attribution_pass_duration", "How long a background attribution pass held the writer, its commit included", Self.storeBuckets)
        attributionLagConversions = gauge(
            "attribution_lag", "conversions", "Conversions stored but not yet examined by the attributor (sampled on scrape)")
        attributionLagSeconds = gauge(
            "attribution_lag", "seconds", "Age of the oldest conversion not yet examined by the attributor, 0 when none (sampled on scrape)")
        attributionLagExposures = gauge(
            "attribution_lag", "exposures", "Exposures stored but not yet used to re-examine earlier conversions (sampled on scrape)")
        walBytes = gauge("store_wal", "bytes", "Size of the SQLite write-ahead log file (sampled on scrape)")
        dedupEntriesInMemory = gauge(
            "store_dedup_memory", "entries", "Entries of the dedup index held in memory, not yet filed (sampled on scrape)")
    }

    /// One HTTP request answered: `route` is the route's template
    /// (`/agentic/v1/click/{media_buy_id}/…`), never the raw path.
    func request(method: String, route: String, status: Int, took: Duration) {
        let key = RequestKey(method: method, route: route, status: status)
        let handles = requests.withLock { cache in
            if let known = cache[key] { return known }
            let made = RequestHandles(
                count: registry.makeCounter(descriptor: Self.httpRequests, labels: [
                    ("method", method), ("route", route), ("status", String(status)),
                ]),
                seconds: registry.makeDurationHistogram(
                    descriptor: Self.httpSeconds, labels: [("method", method), ("route", route)], buckets: Self.batchBuckets))
            cache[key] = made
            return made
        }
        handles.count.increment()
        handles.seconds.record(took)
    }

    static var httpRequests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "capi", subsystem: "http", metricName: "requests", unitName: "total",
            helpText: "HTTP requests by method, route template and status")
    }
    static var httpSeconds: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "capi", subsystem: "http", metricName: "request_duration", unitName: "seconds",
            helpText: "Time to answer an HTTP request, by method and route template (until the handler returns)")
    }
    static var rateLimitedName: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "capi", metricName: "rate_limited", unitName: "total",
            helpText: "Requests refused by a rate limit (429), by route template")
    }

    /// A request refused by a rate limit: `capi_rate_limited_total{route}`.
    /// `route` is the route's template, as for `capi_http_requests_total`.
    public func rateLimited(route: String) {
        let counter = rateLimits.withLock { cache in
            if let known = cache[route] { return known }
            let made = registry.makeCounter(descriptor: Self.rateLimitedName, labels: [("route", route)])
            cache[route] = made
            return made
        }
        counter.increment()
    }

    /// A log_event call answered: its events by result (`tally`, for a
    /// batch written now), its outcome and time.
    func logEvent(failed: Bool, tally: EventTally?, took: Duration) {
        if let tally {
            if tally.accepted > 0 { eventsAccepted.increment(by: Int64(tally.accepted)) }
            if tally.duplicates > 0 { eventsDuplicate.increment(by: Int64(tally.duplicates)) }
            if tally.refused > 0 { eventsRefused.increment(by: Int64(tally.refused)) }
        }
        logEventBatches[Self.outcome(failed: failed, tally: tally)]?.increment()
        logEventSeconds.record(took)
    }

    /// An exposure feed request answered.
    func exposures(failed: Bool, took: Duration) {
        exposureBatches[failed ? .refused : .stored]?.increment()
        exposuresSeconds.record(took)
    }

    /// A background attribution pass.
    func attributionPass(_ progress: AttributionProgress) {
        if progress.conversions > 0 { attributedConversions.increment(by: Int64(progress.conversions)) }
        if progress.reexamined > 0 { reexaminedConversions.increment(by: Int64(progress.reexamined)) }
        attributionPassSeconds.record(progress.held)
    }

    /// The store's backlog and log size, as of `now` (milliseconds since the epoch).
    func sample(_ status: StoreStatus, now: Int64) {
        attributionLagConversions.set(Double(status.pendingConversions))
        attributionLagExposures.set(Double(status.pendingExposures))
        let lag = status.oldestPendingReceivedAt.map { max(0, Double(now - $0) / 1000) } ?? 0
        attributionLagSeconds.set(lag)
        if let bytes = status.walBytes { walBytes.set(Double(bytes)) }
        if let entries = status.dedupEntriesInMemory { dedupEntriesInMemory.set(Double(entries)) }
    }

    /// The Prometheus text exposition of everything registered.
    func exposition() -> [UInt8] { registry.emitToBuffer() }

    static func outcome(failed: Bool, tally: EventTally?) -> BatchOutcome {
        if failed { return .refused }
        return tally == nil ? .replayed : .stored
    }
}
