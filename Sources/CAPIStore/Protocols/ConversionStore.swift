import CAPICore

/// Everything capi keeps, split by concern. One protocol so every store
/// passes one conformance suite; every call that touches an account's data
/// takes its `accountID` first.
public protocol ConversionStore: AccountStore, EventSourceStore, EventStore, MediaBuyStore, AttributionStore, ReportStore {
    /// What the store tells the service and the attribution worker about
    /// itself: how to size a batch's runs, how to pace attribution.
    var traits: StoreTraits { get }
    /// Creates or upgrades the schema. Safe to run on every start.
    func migrate() async throws
    /// Succeeds when the store can take a durable write.
    func ping() async throws
    /// The attributor's backlog and the log's size, for metrics.
    func status() async throws -> StoreStatus
    /// Counts what the store holds, for operators and tests: a full count,
    /// not for a hot path.
    func census(accountID: String?) async throws -> StoreCensus
    /// Leaves everything written durable and releases the store; the last call.
    func close() async throws
}
