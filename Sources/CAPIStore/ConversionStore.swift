import CAPICore

/// Everything capi keeps. One protocol so every store passes one test suite;
/// every call that touches an account's data takes its `accountID` first.
public protocol ConversionStore: Sendable {
    /// Creates or upgrades the schema. Safe to run on every start.
    func migrate() async throws
    /// Succeeds when the database answers a query.
    func ping() async throws
    /// The attributor's backlog and the log's size, for metrics.
    func status() async throws -> StoreStatus

    // Accounts and keys
    func createAccount(_ account: Account) async throws
    func account(id: String) async throws -> Account?
    func accounts() async throws -> [Account]
    func insertAPIKey(_ key: APIKeyRecord) async throws
    func apiKey(hash: String) async throws -> APIKeyRecord?
    /// An account's keys, or every key when `accountID` is nil.
    func apiKeys(accountID: String?) async throws -> [APIKeyRecord]
    /// Revokes the key with this prefix; returns false when there is none.
    func revokeAPIKey(prefix: String, at: Int64) async throws -> Bool
    func touchAPIKey(hash: String, at: Int64) async throws

    // Event sources
    func eventSources(accountID: String) async throws -> [EventSource]
    func eventSource(accountID: String, id: String) async throws -> EventSource?
    func upsertEventSource(_ source: EventSource) async throws
    /// Reads the account's sources, plans, and writes the plan atomically.
    func syncEventSources(
        accountID: String, idempotency: IdempotencyClaim?,
        plan: @Sendable ([EventSource]) -> EventSourceSync.Plan,
        respond: @Sendable (EventSourceSync.Plan) -> [UInt8]
    ) async throws -> StoreOutcome<EventSourceSync.Plan>

    // Ingestion
    /// Stores a validated batch in one durable transaction, deduplicated,
    /// taking its runs as they become ready. A batch with no valid event
    /// only adds to the counters, and leaves no idempotency record. A run
    /// with broken JSON (`ValidatedRuns.take` throws) rolls the whole batch
    /// back, counters included.
    func ingest(
        _ batch: IngestBatch, idempotency: IdempotencyClaim?,
        respond: @Sendable (IngestCounts) -> [UInt8]
    ) async throws -> StoreOutcome<IngestCounts>
    func testEvents(accountID: String, eventSourceID: String, testEventCode: String?, limit: Int) async throws -> [TestEventRecord]
    /// Each source's counters summed over the hours since `since`.
    func counters(accountID: String, since: Int64) async throws -> [String: SourceCounters]

    // Idempotency
    func idempotencyRecord(accountID: String, operation: String, key: String) async throws -> IdempotencyRecord?

    // Media buys and exposures
    /// Creates or replaces a media buy; `.conflict` when its id belongs to another account.
    func upsertMediaBuy(_ buy: MediaBuy, at: Int64) async throws -> Bool
    func mediaBuy(id: String) async throws -> MediaBuy?
    func mediaBuys(accountID: String) async throws -> [MediaBuy]
    /// Delivery facts of media buys in [from, to): exposure and conversion
    /// tallies per package, creative and day.
    func deliveryFacts(mediaBuyIDs: [String], from: Int64?, to: Int64?) async throws -> DeliveryFacts
    /// Stores exposures, deduplicated by (account, exposure_id); returns how many were new.
    func insertExposures(_ exposures: [Exposure], receivedAt: Int64) async throws -> Int

    // Attribution
    /// Attributes conversions that arrived since the last pass, and re-examines
    /// earlier ones that exposures arriving since could now claim.
    func attributePending(maxConversions: Int, at: Int64) async throws -> AttributionProgress
    /// Recomputes every conversion whose event_time is in the range (all when nil).
    func rebuildAttributions(from: Int64?, to: Int64?, at: Int64) async throws -> Int
    func attributionExplanation(
        accountID: String, eventSourceID: String, eventType: String, eventID: String
    ) async throws -> AttributionExplanation?
}

public struct AttributionProgress: Sendable, Equatable {
    /// Conversions attributed for the first time.
    public var conversions: Int
    /// Earlier conversions re-examined because of new exposures.
    public var reexamined: Int
    /// How long the pass held the writer, its commit included (not the wait for it).
    public var held: Duration
    public var isIdle: Bool { conversions == 0 && reexamined == 0 }

    public init(conversions: Int, reexamined: Int, held: Duration = .zero) {
        self.conversions = conversions
        self.reexamined = reexamined
        self.held = held
    }
}

/// Why a conversion is, or is not, credited to an exposure.
public struct AttributionExplanation: Sendable, Equatable {
    public typealias Status = AttributionStatus

    public var eventSourceID: String
    public var eventType: String
    public var eventID: String
    public var eventTime: Int64
    public var status: AttributionStatus
    public var duplicateOfSource: String?
    public var decision: AttributionDecision?
    public var exposure: Exposure?
    public var window: AttributionWindow?
}

/// The result of a write guarded by an idempotency key.
public enum StoreOutcome<Value: Sendable>: Sendable {
    /// Written now; `response` was recorded under the key, if one was given.
    case written(Value, response: [UInt8])
    /// The key was already used: here is what was recorded.
    case replay(IdempotencyRecord)
}

/// An idempotency key a write wants to claim, with its request's fingerprint.
public struct IdempotencyClaim: Sendable {
    public var operation: String
    public var key: String
    public var requestHash: String
    public var status: Int
    /// Milliseconds since the epoch, from the service's clock.
    public var at: Int64

    public init(operation: String, key: String, requestHash: String, status: Int = 200, at: Int64) {
        self.operation = operation
        self.key = key
        self.requestHash = requestHash
        self.status = status
        self.at = at
    }
}

public struct IdempotencyRecord: Sendable, Equatable {
    public var accountID: String
    public var operation: String
    public var key: String
    public var requestHash: String
    public var status: Int
    public var response: [UInt8]
    public var createdAt: Int64

    public init(
        accountID: String, operation: String, key: String, requestHash: String,
        status: Int, response: [UInt8], createdAt: Int64
    ) {
        self.accountID = accountID
        self.operation = operation
        self.key = key
        self.requestHash = requestHash
        self.status = status
        self.response = response
        self.createdAt = createdAt
    }
}

/// A validated log_event batch ready to store. Event ranges point into `body`.
public struct IngestBatch: Sendable {
    public var accountID: String
    public var eventSourceID: String
    public var receivedAt: Int64
    public var body: BatchBytes
    /// The batch's events, taken run by run as they are validated.
    public var runs: ValidatedRuns
    /// Set for a test batch: every event goes to the test log instead,
    /// refused ones too, with why.
    public var testEventCode: String?

    public init(
        accountID: String, eventSourceID: String, receivedAt: Int64, body: BatchBytes,
        runs: ValidatedRuns, testEventCode: String? = nil
    ) {
        self.accountID = accountID
        self.eventSourceID = eventSourceID
        self.receivedAt = receivedAt
        self.body = body
        self.runs = runs
        self.testEventCode = testEventCode
    }
}

public struct IngestCounts: Sendable, Equatable {
    /// Events newly stored.
    public var inserted: Int
    /// Events already stored before (or earlier in the same batch).
    public var duplicates: Int

    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

/// One line of the test-event log.
public struct TestEventRecord: Sendable, Equatable {
    public var eventID: String
    public var eventType: String?
    public var testEventCode: String
    public var receivedAt: Int64
    /// `accepted` or `failed`.
    public var outcome: String
    public var error: AdCPError?
    /// The event as sent.
    public var payload: [UInt8]
}
