import Dispatch
import GRDB
import Logging

/// Writes the dedup index's in-memory generations (`RecentEventPlaces`) into
/// the index file, in the background, on a connection of its own: the
/// server's writer never writes the file, so a merge runs beside ingestion
/// (the file is a database of its own, with its own write lock).
///
/// A merge is one transaction: the generation's entries in place order,
/// then the seq the file covers. Then a PASSIVE checkpoint copies its WAL
/// into the file, since no hooked connection writes it.
final class EventIDMerger: Sendable {
    private let recent: RecentEventPlaces
    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "capi.sqlite.dedup-merge")
    private let logger: Logger?

    init(indexPath: String, recent: RecentEventPlaces, logger: Logger?) throws {
        self.recent = recent
        self.logger = logger
        var config = Configuration()
        config.busyMode = .timeout(10)
        connection = try DatabaseQueue(configuration: config)
        try connection.writeWithoutTransaction { db in
            try EventIDIndex.attach(db, path: indexPath)
            try db.execute(sql: "PRAGMA \(EventIDIndex.schema).cache_size = -\(EventIDIndex.writerCacheKiB)")
        }
    }

    /// Starts merging the generation just handed over, in the background.
    func start() {
        queue.async { [self] in merge() }
    }

    /// Returns once the merge under way, if any, has ended.
    func waitForRunningMerge() {
        queue.sync {}
    }

    /// Files every committed entry now, and returns once they are in: how
    /// the store's close leaves nothing to index on the next open.
    func mergeAll() {
        waitForRunningMerge()
        recent.beginWrite()
        if recent.handOverAll() { queue.sync { merge() } }
        recent.beginWrite()
    }

    private func merge() {
        let (entries, through) = recent.toMerge()
        do {
            try connection.write { db in
                try EventIDIndex.file(entries, db)
                try EventIDIndex.setCovered(db, max(through, try EventIDIndex.covered(db)))
            }
            recent.mergeEnded(committed: true)
            _ = try? connection.writeWithoutTransaction { db in
                try db.checkpoint(.passive, on: EventIDIndex.schema)
            }
        } catch {
            recent.mergeEnded(committed: false)
            logger?.error("dedup index: a merge failed; its entries stay in memory", metadata: ["error": "\(error)"])
        }
    }
}
