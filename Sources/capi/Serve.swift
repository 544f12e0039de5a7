import ArgumentParser
import CAPICore
import CAPIServer
import CAPIStore
import Foundation
import Hummingbird
import Logging
import Metrics

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server (REST and MCP on one port).")

    @Option(help: "Address to listen on (env CAPI_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port (env CAPI_PORT, default 8080).") var port: Int?
    @Option(name: .customLong("public-url"), help: "URL clients use to reach this server, shown in setup instructions (env CAPI_PUBLIC_URL, default http://HOST:PORT).")
    var publicURL: String?
    @Option(name: .customLong("max-body-bytes"), help: "Largest request body in bytes (env CAPI_MAX_BODY_BYTES, default 16777216).")
    var maxBodyBytes: Int?
    @Option(name: .customLong("stream-min-bytes"), help: "log_event bodies at least this large are stored while they arrive; 0 streams every one that can be (env CAPI_STREAM_MIN_BYTES, default 1048576).")
    var streamMinBytes: Int?
    @Option(name: .customLong("max-events"), help: "Most events per log_event call (env CAPI_MAX_EVENTS, default 10000).")
    var maxEvents: Int?
    @Option(name: .customLong("max-event-age-days"), help: "Oldest event_time accepted, in days (env CAPI_MAX_EVENT_AGE_DAYS, default 90).")
    var maxEventAgeDays: Int?
    @Option(name: .customLong("max-future-skew-seconds"), help: "How far event_time may be in the future (env CAPI_MAX_FUTURE_SKEW_SECONDS, default 300).")
    var maxFutureSkewSeconds: Int?
    @Option(name: .customLong("max-reported-failures"), help: "Most per-event failures listed in a response (env CAPI_MAX_REPORTED_FAILURES, default 1000).")
    var maxReportedFailures: Int?
    @Option(name: .customLong("signing-secret-file"), help: "File holding the secret that signs click and impression links (env CAPI_SIGNING_SECRET_FILE, or the secret itself in CAPI_SIGNING_SECRET). Without one, those links are off.")
    var signingSecretFile: String?
    @Flag(name: .customLong("trust-forwarded-for"), help: "Take click and impression client IPs from X-Forwarded-For (env CAPI_TRUST_FORWARDED_FOR).")
    var trustForwardedFor = false
    @Option(name: .customLong("attribution-interval"), help: "Seconds between background attribution passes when idle; 0 turns it off (env CAPI_ATTRIBUTION_INTERVAL, default 1).")
    var attributionInterval: Double?
    @Option(name: .customLong("max-exposures"), help: "Most exposures per feed request (env CAPI_MAX_EXPOSURES, default 100000).")
    var maxExposures: Int?
    @Option(name: .customLong("max-exposure-body-bytes"), help: "Largest exposure feed body (env CAPI_MAX_EXPOSURE_BODY_BYTES, default 67108864).")
    var maxExposureBodyBytes: Int?
    @Option(name: .customLong("rate-limit-requests"), help: "Requests a second per API key, on average; 0 for no limit (env CAPI_RATE_LIMIT_REQUESTS, default 1000).")
    var rateLimitRequests: Double?
    @Option(name: .customLong("rate-limit-events"), help: "log_event events a second per API key, REST and MCP together; 0 for no limit (env CAPI_RATE_LIMIT_EVENTS, default 1000000).")
    var rateLimitEvents: Double?
    @Option(name: .customLong("rate-limit-burst-seconds"), help: "Seconds of its rate a key may spend at once (env CAPI_RATE_LIMIT_BURST_SECONDS, default 2).")
    var rateLimitBurstSeconds: Double?
    @Option(name: .customLong("max-in-flight-per-key"), help: "Requests one API key may have in progress; 0 for no limit (env CAPI_MAX_IN_FLIGHT_PER_KEY, default 256).")
    var maxInFlightPerKey: Int?
    @Option(name: .customLong("max-connections"), help: "Open connections; one more is answered 503 (env CAPI_MAX_CONNECTIONS, default 1024).")
    var maxConnections: Int?
    @Option(name: .customLong("max-header-bytes"), help: "Largest request line plus headers (env CAPI_MAX_HEADER_BYTES, default 32768).")
    var maxHeaderBytes: Int?
    @Option(name: .customLong("max-url-bytes"), help: "Longest request target (env CAPI_MAX_URL_BYTES, default 8192).")
    var maxURLBytes: Int?
    @Option(name: .customLong("header-timeout-seconds"), help: "Seconds for a request's line and headers to arrive (env CAPI_HEADER_TIMEOUT_SECONDS, default 10).")
    var headerTimeoutSeconds: Double?
    @Option(name: .customLong("body-timeout-seconds"), help: "Seconds a body may take beyond what --min-body-bytes-per-second allows (env CAPI_BODY_TIMEOUT_SECONDS, default 30).")
    var bodyTimeoutSeconds: Double?
    @Option(name: .customLong("min-body-bytes-per-second"), help: "Slowest sustained body rate (env CAPI_MIN_BODY_BYTES_PER_SECOND, default 65536).")
    var minBodyBytesPerSecond: Int?
    @Option(name: .customLong("idle-timeout-seconds"), help: "Seconds a kept-alive connection may wait for its next request (env CAPI_IDLE_TIMEOUT_SECONDS, default 60).")
    var idleTimeoutSeconds: Double?
    @Option(name: .customLong("shutdown-grace-seconds"), help: "Seconds a stopping server gives requests in progress (env CAPI_SHUTDOWN_GRACE_SECONDS, default 25).")
    var shutdownGraceSeconds: Double?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (env CAPI_LOG_LEVEL, default info).")
    var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object per line on standard error (env CAPI_LOG_FORMAT, default text).")
    var logFormat: String?
    @Flag(help: "Create a demo account and event source if missing, print a fresh key and a curl command (env CAPI_DEMO).")
    var demo = false
    @OptionGroup var db: DatabaseOption

    func settings() throws -> CAPISettings {
        var s = CAPISettings()
        s.host = host ?? Env.string("CAPI_HOST") ?? s.host
        s.port = try port ?? Env.int("CAPI_PORT") ?? s.port
        s.publicURL = publicURL ?? Env.string("CAPI_PUBLIC_URL")
        s.maxBodyBytes = try maxBodyBytes ?? Env.int("CAPI_MAX_BODY_BYTES") ?? s.maxBodyBytes
        s.maxEventsPerBatch = try maxEvents ?? Env.int("CAPI_MAX_EVENTS") ?? s.maxEventsPerBatch
        s.streamingMinBytes = try streamMinBytes ?? Env.int("CAPI_STREAM_MIN_BYTES") ?? s.streamingMinBytes
        if let days = try maxEventAgeDays ?? Env.int("CAPI_MAX_EVENT_AGE_DAYS") { s.maxEventAgeSeconds = Int64(days) * 86_400 }
        if let skew = try maxFutureSkewSeconds ?? Env.int("CAPI_MAX_FUTURE_SKEW_SECONDS") { s.maxFutureSkewSeconds = Int64(skew) }
        s.maxReportedFailures = try maxReportedFailures ?? Env.int("CAPI_MAX_REPORTED_FAILURES") ?? s.maxReportedFailures
        s.trustForwardedFor = trustForwardedFor || Env.bool("CAPI_TRUST_FORWARDED_FOR")
        if let interval = attributionInterval ?? Env.string("CAPI_ATTRIBUTION_INTERVAL").flatMap(Double.init) {
            s.attributionIntervalSeconds = interval
        }
        s.maxExposuresPerRequest = try maxExposures ?? Env.int("CAPI_MAX_EXPOSURES") ?? s.maxExposuresPerRequest
        s.maxExposureBodyBytes = try maxExposureBodyBytes ?? Env.int("CAPI_MAX_EXPOSURE_BODY_BYTES") ?? s.maxExposureBodyBytes
        s.signingSecret = try SigningSecret.load(file: signingSecretFile).map(Secret.init)
        s.rateLimitRequestsPerSecond = try rateLimitRequests ?? Env.double("CAPI_RATE_LIMIT_REQUESTS") ?? s.rateLimitRequestsPerSecond
        s.rateLimitEventsPerSecond = try rateLimitEvents ?? Env.double("CAPI_RATE_LIMIT_EVENTS") ?? s.rateLimitEventsPerSecond
        s.rateLimitBurstSeconds = try rateLimitBurstSeconds ?? Env.double("CAPI_RATE_LIMIT_BURST_SECONDS") ?? s.rateLimitBurstSeconds
        s.maxInFlightPerKey = try maxInFlightPerKey ?? Env.int("CAPI_MAX_IN_FLIGHT_PER_KEY") ?? s.maxInFlightPerKey
        s.maxConnections = try maxConnections ?? Env.int("CAPI_MAX_CONNECTIONS") ?? s.maxConnections
        s.maxHeaderBytes = try maxHeaderBytes ?? Env.int("CAPI_MAX_HEADER_BYTES") ?? s.maxHeaderBytes
        s.maxURLBytes = try maxURLBytes ?? Env.int("CAPI_MAX_URL_BYTES") ?? s.maxURLBytes
        s.headerTimeoutSeconds = try headerTimeoutSeconds ?? Env.double("CAPI_HEADER_TIMEOUT_SECONDS") ?? s.headerTimeoutSeconds
        s.bodyTimeoutSeconds = try bodyTimeoutSeconds ?? Env.double("CAPI_BODY_TIMEOUT_SECONDS") ?? s.bodyTimeoutSeconds
        s.minBodyBytesPerSecond = try minBodyBytesPerSecond ?? Env.int("CAPI_MIN_BODY_BYTES_PER_SECOND") ?? s.minBodyBytesPerSecond
        s.idleTimeoutSeconds = try idleTimeoutSeconds ?? Env.double("CAPI_IDLE_TIMEOUT_SECONDS") ?? s.idleTimeoutSeconds
        s.shutdownGraceSeconds = try shutdownGraceSeconds ?? Env.double("CAPI_SHUTDOWN_GRACE_SECONDS") ?? s.shutdownGraceSeconds
        guard s.rateLimitRequestsPerSecond >= 0, s.rateLimitEventsPerSecond >= 0, s.rateLimitBurstSeconds > 0,
              s.maxInFlightPerKey >= 0, s.maxConnections > 0, s.maxHeaderBytes > 0, s.maxURLBytes > 0,
              s.headerTimeoutSeconds > 0, s.bodyTimeoutSeconds > 0, s.minBodyBytesPerSecond >= 0,
              s.idleTimeoutSeconds > 0, s.shutdownGraceSeconds >= 0
        else { throw ValidationError("rates, sizes and timeouts must be positive (0 turns a rate or the in-flight bound off)") }
        guard s.maxBodyBytes > 0, s.streamingMinBytes >= 0, s.maxExposuresPerRequest > 0, s.maxExposureBodyBytes > 0, s.attributionIntervalSeconds >= 0, s.maxEventsPerBatch > 0, s.maxEventAgeSeconds > 0, s.maxFutureSkewSeconds >= 0,
              s.maxReportedFailures > 0, (0...65_535).contains(s.port)
        else { throw ValidationError("limits must be positive and the port 0–65535") }
        return s
    }

    func run() async throws {
        MemoryPolicy.apply()
        var settings = try settings()
        try LogFormat.resolve(logFormat).bootstrap()
        // Once per process, before the store opens: its timers and any
        // library's swift-metrics land in what GET /metrics serves.
        let metrics = CAPIMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        var logger = Logger(label: "capi")
        let levelName = logLevel ?? Env.string("CAPI_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else { throw ValidationError("unknown log level \(levelName)") }
        logger.logLevel = level
        let location = try db.location()
        let store = try await db.openStore(logger: logger)
        if demo || Env.bool("CAPI_DEMO") {
            if settings.signingSecret == nil {
                guard let folder = location.localFolder else {
                    throw ValidationError("--demo keeps its signing secret beside a SQLite file; set CAPI_SIGNING_SECRET_FILE")
                }
                settings.signingSecret = Secret(try SigningSecret.demoSecret(in: folder))
            }
            try await DemoSetup.run(store: store, settings: settings)
        }
        if settings.signingSecret == nil {
            logger.notice("no signing secret: click and impression links are off (set CAPI_SIGNING_SECRET_FILE)")
        }
        logger.info("capi listening", metadata: ["url": "\(settings.baseURL)", "database": "\(location)"])
        let service = ConversionService(store: store, settings: settings, metrics: metrics)
        let app = CAPIApplication.build(settings: settings, store: store, logger: logger, service: service)
        try await GracefulStop.run(app, grace: settings.shutdownGraceSeconds, store: store, logger: logger)
    }
}

/// `serve --demo`: everything a newcomer needs to send a first event.
enum DemoSetup {
    static let account = "demo"
    static let source = "website_pixel"

    static func run(store: any ConversionStore, settings: CAPISettings) async throws {
        let now = nowMilliseconds
        if try await store.account(id: account) == nil {
            try await store.createAccount(Account(accountID: account, name: "Demo advertiser", createdAt: now))
        }
        if try await store.eventSource(accountID: account, id: source) == nil {
            try await store.upsertEventSource(EventSource(
                accountID: account, eventSourceID: source,
                config: EventSourceConfig(
                    name: "Website pixel", eventTypes: [.purchase, .lead, .addToCart],
                    actionSource: .website, allowedDomains: ["example.com"]),
                createdAt: now, updatedAt: now))
        }
        let key = try await mintKey(store: store, account: account, role: .account)
        let eventTime = ISO8601DateFormatter().string(from: Date())
        print("""

            Demo ready: account '\(account)', event source '\(source)' (purchase, lead, add_to_cart; domain example.com).
            A fresh API key (shown once):

                \(key.key)

            Send a first purchase:

            curl -s \(settings.baseURL)/agentic/v1/capi \\
              -H 'Authorization: Bearer \(key.key)' \\
              -H 'Content-Type: application/json' \\
              -d '{"event_source_id":"\(source)","events":[{"event_id":"order_1001","event_type":"purchase","event_time":"\(eventTime)","action_source":"website","event_source_url":"https://example.com/checkout","user_match":{"click_id":"demo_click_1","click_id_type":"sc3clid"},"custom_data":{"value":49.99,"currency":"USD"}}]}'

            """)
        fflush(nil)
    }
}
