import CoreMetrics

/// The names of the metrics a store records through swift-metrics, so the
/// server that exports them can give them buckets and document them.
public enum StoreMetrics {
    /// Timer: how long a write transaction held the writer, its commit
    /// included (not the wait for the writer). Dimension `kind`: `durable`
    /// (acknowledged after a WAL sync) or `unsynced` (attribution, bookkeeping).
    public static let writeSeconds = "capi_store_write_seconds"
    /// Timer: how long one sync of the WAL (`fdatasync`) took.
    public static let walSyncSeconds = "capi_store_wal_sync_seconds"

    /// The timers a store records, made once from `factory`.
    struct Timers: Sendable {
        let durableWrite: CoreMetrics.Timer
        let unsyncedWrite: CoreMetrics.Timer
        let walSync: CoreMetrics.Timer

        init(factory: any MetricsFactory) {
            durableWrite = CoreMetrics.Timer(label: writeSeconds, dimensions: [("kind", "durable")], factory: factory)
            unsyncedWrite = CoreMetrics.Timer(label: writeSeconds, dimensions: [("kind", "unsynced")], factory: factory)
            walSync = CoreMetrics.Timer(label: walSyncSeconds, factory: factory)
        }
    }
}

extension CoreMetrics.Timer {
    /// Records a `Duration` (swift-metrics takes nanoseconds).
    func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
