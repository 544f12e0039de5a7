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

    public init() {}

    public var baseURL: String {
        if let publicURL, !publicURL.isEmpty {
            return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        }
        return "http://\(host):\(port)"
    }
}
