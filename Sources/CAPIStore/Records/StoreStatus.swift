/// What an operator watches in a store: work the attributor has not done
/// yet, the size of the write-ahead log, the dedup index's memory. Cheap to
/// read on every scrape.
public struct StoreStatus: Sendable, Equatable {
    /// Conversions stored but not yet examined by the attributor.
    public var pendingConversions: Int
    /// When the oldest of them arrived (milliseconds since the epoch), if any.
    public var oldestPendingReceivedAt: Int64?
    /// Exposures stored but not yet used to re-examine earlier conversions.
    public var pendingExposures: Int
    /// Bytes of the write-ahead log on disk; nil for a store without one.
    public var walBytes: Int?
    /// Entries of the dedup index held in memory until they are filed; nil
    /// for a store that keeps none.
    public var dedupEntriesInMemory: Int?

    public init(
        pendingConversions: Int, oldestPendingReceivedAt: Int64?, pendingExposures: Int, walBytes: Int?,
        dedupEntriesInMemory: Int? = nil
    ) {
        self.pendingConversions = pendingConversions
        self.oldestPendingReceivedAt = oldestPendingReceivedAt
        self.pendingExposures = pendingExposures
        self.walBytes = walBytes
        self.dedupEntriesInMemory = dedupEntriesInMemory
    }
}
