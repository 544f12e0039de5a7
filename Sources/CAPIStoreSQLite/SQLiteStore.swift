import CAPIStore
import CAPICore
import CoreMetrics
import CSQLiteConfig
import Foundation
import GRDB
import GRDBSQLite
import Logging

/// The embedded store: one SQLite file in WAL mode, through GRDB.
///
/// Writes are durable: a write returns only once it is on disk (`durableWrite`,
/// `WALSyncer`), so a 200 sent after it survives a crash or a power cut.
/// Checkpoints run in the background (`WALCheckpointer`).
public final class SQLiteStore: ConversionStore {
    let pool: DatabasePool
    let workload: Workload
    let walSyncer: WALSyncer
    /// Where write and sync times go (`StoreMetrics`).
    let timers: StoreTimers
    /// The write-ahead log, whose size `status()` reports.
    let walPath: String
    /// Hears what `migrate` had to mend in the dedup index.
    let logger: Logger?
    /// The dedup index's newest entries, and what files them (`EventIDIndex`).
    let recentPlaces: RecentEventPlaces
    let dedupMerger: EventIDMerger

    /// How a process uses the store, which decides its memory settings.
    public enum Workload: Sendable {
        /// A long-running server: SQLite's small default page cache, no memory map.
        case server
        /// A one-off bulk job such as `capi attribute`: the database file is
        /// memory-mapped and the page cache is large, so a pass's index lookups
        /// and dirty pages stay in memory instead of costing a read or write
        /// syscall each. Never used to ingest.
        case bulk
    }

    /// 8 KiB pages: larger than SQLite's 4 KiB default, since a stored
    /// event is close to a kilobyte, but not larger still, since every page
    /// an insert touches is written whole to the WAL. The dedup index, which
    /// random event ids touch at random, has small pages in a file of its
    /// own (`EventIDIndex`).
    static let pageSize = 8_192
    /// Page cache of the server's writer, in KiB: a large batch's dirty pages
    /// stay in memory until its commit instead of spilling into the WAL
    /// half-way. Readers keep SQLite's 2 MiB default.
    static let writerCacheKiB = 64 * 1024
    /// Page cache of a `.bulk` connection, in KiB (SQLite's negative `cache_size`).
    static let bulkCacheKiB = 512 * 1024
    /// Upper bound of a `.bulk` connection's memory map, in bytes.
    static let bulkMmapBytes: Int64 = 64 << 30

    /// SQLite's memory statistics, off for the process if the first store
    /// opens before any other connection (as in `capi serve`): each of
    /// SQLite's allocations then skips a global mutex (docs/benchmarks.md).
    static let memoryStatisticsOff = capi_sqlite_disable_memory_statistics() == SQLITE_OK

    /// `event_json(payload)`: a stored event's JSON as it was sent
    /// (payloads are stored compact, `CompactEventJSON`), for queries that
    /// read inside it.
    public static let eventJSON = DatabaseFunction("event_json", argumentCount: 1, pure: true) { values in
        guard let data = Data.fromDatabaseValue(values[0]) else { return nil }
        return data.withUnsafeBytes { raw in
            String(decoding: CompactEventJSON.expand(raw.bindMemory(to: UInt8.self)), as: UTF8.self)
        }
    }

    /// `metrics` receives the store's timers (`StoreMetrics`); by default
    /// the process's swift-metrics backend, as bootstrapped before the open.
    /// `logger` hears a refused WAL sync.
    public convenience init(
        path: String, workload: Workload = .server, metrics: (any MetricsFactory)? = nil, logger: Logger? = nil
    ) throws {
        try self.init(path: path, workload: workload, metrics: metrics, logger: logger, walFlush: nil)
    }

    /// `walFlush`, when given, stands in for the sync of the WAL file: how
    /// tests make the disk refuse one; `dedupMergeAt` is how many new
    /// entries the dedup index gathers in memory before a merge.
    init(
        path: String, workload: Workload, metrics: (any MetricsFactory)?, logger: Logger?,
        walFlush: (@Sendable () throws -> Void)?, dedupMergeAt: Int = RecentEventPlaces.defaultMergeAt
    ) throws {
        _ = Self.memoryStatisticsOff
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        self.workload = workload
        timers = StoreTimers(factory: metrics ?? MetricsSystem.factory)
        let walTimer = timers.walSync
        walSyncer = walFlush.map { WALSyncer(timer: walTimer, logger: logger, flush: $0) }
            ?? WALSyncer(databasePath: path, timer: walTimer, logger: logger)
        walPath = path + "-wal"
        self.logger = logger
        var config = Configuration()
        config.busyMode = .timeout(10)
        let dedupPath = EventIDIndex.path(besideDatabase: path)
        let checkpointer = WALCheckpointer(path: path, attached: [(EventIDIndex.schema, dedupPath)])
        config.prepareDatabase { db in
            db.add(function: Self.eventJSON)
            // Takes effect only while the file is new (the writer opens first);
            // an existing database keeps its page size.
            try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
            // A WAL left at 64 MiB after it restarts, not at its peak.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            try EventIDIndex.attach(db, path: dedupPath)
            if workload == .bulk {
                try db.execute(sql: "PRAGMA mmap_size = \(Self.bulkMmapBytes); PRAGMA cache_size = -\(Self.bulkCacheKiB)")
            }
            if let connection = db.sqliteConnection {
                checkpointer.install(on: connection, pageSizes: [
                    "main": try Int.fetchOne(db, sql: "PRAGMA page_size") ?? Self.pageSize,
                    EventIDIndex.schema: try Int.fetchOne(db, sql: "PRAGMA \(EventIDIndex.schema).page_size") ?? EventIDIndex.pageSize,
                ])
            }
        }
        pool = try DatabasePool(path: path, configuration: config)
        recentPlaces = RecentEventPlaces(mergeAt: dedupMergeAt)
        dedupMerger = try EventIDMerger(indexPath: dedupPath, recent: recentPlaces, logger: logger)
        // GRDB turns on WAL after `prepareDatabase` and sets the writer to
        // `synchronous = NORMAL` as it does: commits skip their own fsync,
        // and `durableWrite` waits for the WAL's instead. Said again here, once
        // that set-up is done, so the store does not rest on GRDB's default.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA \(EventIDIndex.schema).synchronous = NORMAL")
            if workload == .server { try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB); PRAGMA \(EventIDIndex.schema).cache_size = -\(EventIDIndex.writerCacheKiB)") }
        }
    }

    /// A transaction whose caller is told it is on disk: committed, then
    /// covered by a sync of the WAL that began after the commit. Meanwhile
    /// the writer is free for the next transaction. One that only read
    /// (an idempotent replay) waits too: what it read may be another
    /// request's commit whose sync is still under way.
    func durableWrite<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        let (value, held) = try await heldWrite(updates)
        timers.durableWrite.record(held)
        try await walSyncer.sync()
        return value
    }

    /// A transaction that nobody is told is on disk, so nothing waits for
    /// it: what can be derived again (attribution passes) or bookkeeping (a
    /// key's last use). The next sync of the WAL covers it too; a crash
    /// before that loses only a pass the worker does again, or a timestamp.
    func unsyncedWrite<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        try await timedUnsyncedWrite(updates).value
    }

    /// `unsyncedWrite`, and how long it held the writer, its commit included
    /// (a large commit is much of a write's cost: `attributePending`).
    func timedUnsyncedWrite<T: Sendable>(
        _ updates: @Sendable (Database) throws -> T
    ) async throws -> (value: T, held: Duration) {
        let written = try await heldWrite(updates)
        timers.unsyncedWrite.record(written.held)
        return written
    }

    /// One write transaction, and how long it held the writer, its commit
    /// included (not the wait for the writer).
    /// The dedup index's memory follows the transaction: what it added is
    /// kept on commit and taken back on rollback (`RecentEventPlaces`).
    private func heldWrite<T: Sendable>(
        _ updates: @Sendable (Database) throws -> T
    ) async throws -> (value: T, held: Duration) {
        try await pool.writeWithoutTransaction { [recentPlaces] db in
            let started = ContinuousClock.now
            var value: T?
            recentPlaces.beginWrite()
            do {
                try db.inTransaction {
                    value = try updates(db)
                    return .commit
                }
            } catch {
                recentPlaces.rollback()
                throw error
            }
            settleRecentPlaces()
            guard let value else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "a committed write left no value") }
            return (value, ContinuousClock.now - started)
        }
    }

    /// After a commit, on the writer: hands a full generation of the dedup
    /// index's memory to the merger, or waits for the running merge when
    /// memory is at its bound.
    private func settleRecentPlaces() {
        while true {
            switch recentPlaces.commit() {
            case .nothing: return
            case .merge: return dedupMerger.start()
            case .waitForMerge: dedupMerger.waitForRunningMerge()
            }
        }
    }

    /// Runs the schema's migrations, then brings the dedup index to the
    /// stored events (`EventIDIndex.reconcile`).
    public func migrate() async throws {
        try SQLiteSchema.migrator.migrate(pool)
        let logger = logger
        let places = try await pool.write { db in
            try EventIDIndex.reconcile(db, logger: logger)
            return try EventIDIndex.hashKey(db).map { EventPlaces(key: $0) }
        }
        recentPlaces.state.withLock { $0.places = places }
        try await walSyncer.sync()
    }

    /// One writer: runs grow from short to steady, so the writer waits
    /// little for the first; attribution gets a small share while clients send.
    public var traits: StoreTraits { Self.traits }

    static let traits = StoreTraits(
        runs: RunSizes(leading: [250, 400, 650], steady: 1_000),
        attribution: .singleWriter(pass: .milliseconds(10), maxRest: 19))

    /// Fails once a WAL sync was refused (no write can be acknowledged), or
    /// when the database does not answer.
    public func ping() async throws {
        if let failure = walSyncer.failure { throw failure }
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
