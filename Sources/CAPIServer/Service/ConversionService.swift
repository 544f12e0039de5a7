import CAPICore
import CAPIStore
import Foundation
import Logging
import Synchronization

/// The one code path for every operation. REST routes and MCP tools are two
/// doors into these calls and only translate the wire.
public final class ConversionService: Sendable {
    public let settings: CAPISettings
    let store: any ConversionStore
    let clock: any CAPIClock
    /// Event writes in progress, which background attribution gives way to.
    public let ingestActivity = IngestActivity()
    /// log_event batches stored while their body was still arriving.
    let streamed = Atomic<Int>(0)
    public var batchesStoredWhileArriving: Int { streamed.load(ordering: .relaxed) }
    /// What `GET /metrics` serves (`ConversionService+Metrics`).
    public let metrics: CAPIMetrics
    /// Per-key rate limits, shared by both doors (log_event charges its events).
    public let keyLimits: KeyRateLimiter

    public init(
        store: any ConversionStore, settings: CAPISettings, clock: any CAPIClock = SystemClock(),
        metrics: CAPIMetrics = CAPIMetrics()
    ) {
        self.store = store
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.keyLimits = KeyRateLimiter(settings: settings)
    }

    var nowMilliseconds: Int64 { clock.nowMilliseconds }

    /// A failed answer carrying AdCP errors.
    static func failure<W>(_ kind: ServiceFailure.Kind, _ errors: [AdCPError], total: Int? = nil) -> ServiceAnswer<W> {
        .failed(ServiceFailure(kind, errors, total: total))
    }

    static func failure<W>(_ kind: ServiceFailure.Kind, _ error: AdCPError) -> ServiceAnswer<W> {
        .failed(ServiceFailure(kind, error))
    }

    static let invalidJSON = "Invalid JSON payload"

    /// The refusal of a body that is not JSON as capi reads it (I-JSON:
    /// `JSONReader`), saying what and where.
    static func syntaxError(_ syntax: JSONSyntaxError) -> AdCPError {
        var e = AdCPError(.invalidRequest, invalidJSON)
        e.suggestion = "The body is not valid JSON: \(syntax.message) at byte \(syntax.offset)"
        return e
    }

    /// The refusal of the first of `ids` (value, field, rule) that is given
    /// and breaks its rule; nil when all pass.
    static func checkIDs(_ ids: [(String?, String, IdentifierRule)]) -> ServiceFailure? {
        for (value, field, rule) in ids {
            if let value, let e = rule.problem(value, field: field) { return .invalid(e) }
        }
        return nil
    }

    /// Checks an idempotency key's form (AdCP: 16–255 of `A-Za-z0-9_.:-`).
    static func checkIdempotencyKey(_ key: String?) -> AdCPError? {
        let rule = IdentifierRule.idempotencyKey
        guard let key, !rule.allows(key) else { return nil }
        return AdCPError(.invalidRequest, "idempotency_key must be \(rule.requirement) (a UUID works)", field: "idempotency_key")
    }

    /// What to answer when a key was already used: the first answer, or 409.
    static func replay<W>(_ record: IdempotencyRecord, requestHash: String) -> ServiceAnswer<W> {
        guard record.requestHash == requestHash else {
            return failure(.conflict, AdCPError(
                .idempotencyConflict,
                "idempotency_key was already used with a different request body; use a fresh key for a new request",
                field: "idempotency_key"))
        }
        return .encoded(record.response)
    }

    /// The source an account's request names, or the 403 that hides whether it exists elsewhere.
    func configuredSource(_ id: String, principal: Principal) async throws -> Result<EventSource, AdCPError> {
        if let source = try await store.eventSource(accountID: principal.accountID, id: id) {
            return .success(source)
        }
        return .failure(AdCPError(
            .referenceNotFound,
            "event source '\(id)' is not configured on this account; register it with sync_event_sources first",
            field: "event_source_id"))
    }

    /// Seconds a client waits before retrying a request the store could not
    /// serve: long enough for a pool to reconnect, short for a client.
    static let storeRetryAfter = 1

    /// A store failure, as the 503 (with `Retry-After`) that says nothing
    /// about the data. This
    /// is where such a failure is logged, once, at error level: with the
    /// request's id (`logger`'s metadata), the operation and the error's
    /// type, never its description (which may quote a request's values).
    static func unavailable(_ error: any Error, operation: String, logger: Logger) -> ServiceFailure {
        logger.error("service unavailable", metadata: [
            "operation": "\(operation)", "error.type": "\(type(of: error))",
        ])
        var refusal = AdCPError(.serviceUnavailable, "The database is unavailable; retry shortly")
        refusal.retryAfter = storeRetryAfter
        var failure = ServiceFailure(.unavailable, refusal)
        failure.retryAfter = storeRetryAfter
        return failure
    }
}
