/// The names of the metrics a store records through swift-metrics, so the
/// server that exports them can give them buckets and document them.
public enum StoreMetrics {
    /// Timer: how long a write transaction held the writer, its commit
    /// included (not the wait for the writer). Dimension `kind`: `durable`
    /// (acknowledged after a WAL sync) or `unsynced` (attribution, bookkeeping).
    public static let writeSeconds = "capi_store_write_seconds"
    /// Timer: how long one sync of the WAL (`fdatasync`) took.
    public static let walSyncSeconds = "capi_store_wal_sync_seconds"
}
