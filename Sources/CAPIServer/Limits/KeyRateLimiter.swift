import CAPICore
import Synchronization

/// The per-key limits: requests a second and events a second (token
/// buckets), and requests in progress at once. One instance serves both
/// doors, so REST and MCP draw on the same allowance.
///
/// Keys are told apart by their public prefix (never the key itself);
/// state exists only for keys that authenticated.
public final class KeyRateLimiter: Sendable {
    struct Limits: Sendable {
        var requestsPerSecond: Double
        var eventsPerSecond: Double
        var burstSeconds: Double
        var maxInFlight: Int
        /// The events bucket always holds at least one whole batch.
        var maxEventsPerBatch: Int
    }

    private struct KeyState {
        var requests: TokenBucket?
        var events: TokenBucket?
        var inFlight = 0
    }

    private let limits: Limits
    private let state = Mutex<[String: KeyState]>([:])
    /// Seconds on a monotonic clock.
    private let now: @Sendable () -> Double

    init(limits: Limits, now: @escaping @Sendable () -> Double = KeyRateLimiter.monotonicSeconds) {
        self.limits = limits
        self.now = now
    }

    convenience init(settings: CAPISettings) {
        self.init(limits: Limits(
            requestsPerSecond: settings.rateLimitRequestsPerSecond, eventsPerSecond: settings.rateLimitEventsPerSecond,
            burstSeconds: settings.rateLimitBurstSeconds, maxInFlight: settings.maxInFlightPerKey,
            maxEventsPerBatch: settings.maxEventsPerBatch))
    }

    private static let origin = ContinuousClock.now
    @Sendable static func monotonicSeconds() -> Double { (ContinuousClock.now - origin) / .seconds(1) }

    /// Charges one request to `key` and marks it in progress; the refusal
    /// when the key is over its rate or has too many requests in progress.
    /// A nil answer must be followed by `finished(key:)`.
    func admitRequest(key: String) -> ServiceFailure? {
        let at = now()
        let outcome: Result<Void, Refusal> = state.withLock { keys in
            var entry = keys[key] ?? KeyState()
            defer { keys[key] = entry }
            if limits.maxInFlight > 0, entry.inFlight >= limits.maxInFlight { return .failure(.inFlight) }
            if limits.requestsPerSecond > 0 {
                if entry.requests == nil {
                    entry.requests = TokenBucket(
                        rate: limits.requestsPerSecond, capacity: max(1, limits.requestsPerSecond * limits.burstSeconds), now: at)
                }
                if let wait = entry.requests?.take(1, now: at) { return .failure(.requests(wait: wait)) }
            }
            entry.inFlight += 1
            return .success(())
        }
        switch outcome {
        case .success: return nil
        case .failure(let refusal): return refusal.reply(limits)
        }
    }

    /// A request admitted by `admitRequest` has been answered.
    func finished(key: String) {
        state.withLock { keys in
            guard var entry = keys[key] else { return }
            entry.inFlight = max(0, entry.inFlight - 1)
            keys[key] = entry
        }
    }

    /// Charges a log_event batch of `count` events to `key`; the refusal
    /// when the key is over its events rate (nothing is charged then).
    func chargeEvents(_ count: Int, key: String) -> ServiceFailure? {
        guard limits.eventsPerSecond > 0 else { return nil }
        let at = now()
        let wait: Double? = state.withLock { keys in
            var entry = keys[key] ?? KeyState()
            defer { keys[key] = entry }
            if entry.events == nil {
                let capacity = max(limits.eventsPerSecond * limits.burstSeconds, Double(limits.maxEventsPerBatch))
                entry.events = TokenBucket(rate: limits.eventsPerSecond, capacity: capacity, now: at)
            }
            return entry.events?.take(Double(count), now: at)
        }
        return wait.map { Refusal.events(wait: $0).reply(limits) }
    }

    private enum Refusal: Error {
        case requests(wait: Double)
        case events(wait: Double)
        case inFlight

        func reply(_ limits: Limits) -> ServiceFailure {
            switch self {
            case .requests(let wait):
                return KeyRateLimiter.refusal(
                    "This API key sent more than \(Self.format(limits.requestsPerSecond)) requests a second", wait: wait)
            case .events(let wait):
                return KeyRateLimiter.refusal(
                    "This API key logged more than \(Self.format(limits.eventsPerSecond)) events a second", wait: wait)
            case .inFlight:
                return KeyRateLimiter.refusal(
                    "This API key already has \(limits.maxInFlight) requests in progress; wait for an answer before sending more", wait: 1)
            }
        }

        static func format(_ rate: Double) -> String {
            rate == rate.rounded() ? String(Int(rate)) : String(rate)
        }
    }

    /// The 429 `RATE_LIMITED` answer, with `retry_after` and the
    /// `Retry-After` header: whole seconds, 1…3600.
    static func refusal(_ message: String, wait: Double) -> ServiceFailure {
        let seconds = Int(min(3_600, max(1, wait.rounded(.up))))
        var error = AdCPError(.rateLimited, message, suggestion: "Retry after \(seconds) s, or spread requests out")
        error.retryAfter = seconds
        var failure = ServiceFailure(.rateLimited, error)
        failure.retryAfter = seconds
        return failure
    }
}
