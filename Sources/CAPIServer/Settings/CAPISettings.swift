import Foundation

/// Every limit and knob of a running server, with its default.
/// The command line maps each to a flag and a `CAPI_*` environment variable.
public struct CAPISettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The URL clients use to reach this server; named in setup instructions.
    /// Defaults to `http://host:port`.
    public var publicURL: String?
    /// Largest request body accepted, in bytes (413 beyond).
    public var maxBodyBytes = 16 * 1024 * 1024
    /// Most events in one log_event call (AdCP allows 10,000).
    public var maxEventsPerBatch = 10_000
    /// REST log_event bodies declared at least this large are read and
    /// stored while they arrive (`Int.max`: never).
    public var streamingMinBytes = 1 << 20
    /// Oldest event_time accepted, in seconds before now.
    public var maxEventAgeSeconds: Int64 = 90 * 86_400
    /// How far in the future event_time may be, in seconds (clock skew).
    public var maxFutureSkewSeconds: Int64 = 300
    /// Most per-event failures listed in one response; the rest are counted.
    public var maxReportedFailures = 1_000
    /// Secret that signs click and impression links (HMAC-SHA256). Read from
    /// the environment or a file, never stored in the database or logged.
    public var signingSecret: Secret?
    /// Take the client IP of clicks and impressions from X-Forwarded-For
    /// (only behind a proxy you run).
    public var trustForwardedFor = false
    /// Most exposures in one `POST /agentic/v1/exposures`.
    public var maxExposuresPerRequest = 100_000
    /// Largest exposure feed body, in bytes.
    public var maxExposureBodyBytes = 64 * 1024 * 1024
    /// Seconds between background attribution passes when idle; 0 turns the
    /// background attributor off (run `capi attribute` instead).
    public var attributionIntervalSeconds = 1.0
    /// Conversions examined per attribution transaction.
    public var attributionBatchSize = 500

    // Limits against hostile or broken clients (see `Limits/` and `Connection/`).

    /// Requests a second one API key may make, on average (token bucket;
    /// 0: no limit). Beyond: 429 `RATE_LIMITED` with `retry_after`.
    public var rateLimitRequestsPerSecond = 1_000.0
    /// Events a second one API key may log, on average, REST and MCP
    /// together (0: no limit).
    public var rateLimitEventsPerSecond = 1_000_000.0
    /// How many seconds of its rate a key may spend at once: each bucket holds
    /// rate × this (the events bucket at least one full batch).
    public var rateLimitBurstSeconds = 2.0
    /// Requests one API key may have in progress at once (0: no limit);
    /// one more is refused with 429, not queued.
    public var maxInFlightPerKey = 256
    /// Open connections; one more is answered 503 and closed.
    public var maxConnections = 1_024
    /// Largest request line plus headers, in bytes (431 beyond).
    public var maxHeaderBytes = 32 * 1024
    /// Longest request target (path and query), in bytes (414 beyond).
    public var maxURLBytes = 8 * 1024
    /// Seconds a request's line and headers may take to arrive, from the
    /// connection's opening or the request's first byte (408 beyond).
    public var headerTimeoutSeconds = 10.0
    /// Seconds a body may take beyond what `minBodyBytesPerSecond` allows
    /// for the bytes already received (408 beyond).
    public var bodyTimeoutSeconds = 30.0
    /// Slowest a body may arrive, sustained, in bytes a second.
    public var minBodyBytesPerSecond = 64 * 1024
    /// Seconds a kept-alive connection may wait for its next request.
    public var idleTimeoutSeconds = 60.0
    /// Seconds a stopping server (SIGTERM, SIGINT) gives requests in progress
    /// before it cancels them; the store is flushed either way.
    public var shutdownGraceSeconds = 25.0

    public init() {}

    public var baseURL: String {
        if let publicURL, !publicURL.isEmpty {
            return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        }
        return "http://\(host):\(port)"
    }
}
