import CAPICore
import CAPIStore
import CoreMetrics

/// The timers a SQLite store records, made once from a metrics factory.
struct StoreTimers: Sendable {
    let durableWrite: CoreMetrics.Timer
    let unsyncedWrite: CoreMetrics.Timer
    let walSync: CoreMetrics.Timer

    init(factory: any MetricsFactory) {
        durableWrite = CoreMetrics.Timer(label: StoreMetrics.writeSeconds, dimensions: [("kind", "durable")], factory: factory)
        unsyncedWrite = CoreMetrics.Timer(label: StoreMetrics.writeSeconds, dimensions: [("kind", "unsynced")], factory: factory)
        walSync = CoreMetrics.Timer(label: StoreMetrics.walSyncSeconds, factory: factory)
    }
}

extension CoreMetrics.Timer {
    /// Records a `Duration` (swift-metrics takes nanoseconds).
    func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
