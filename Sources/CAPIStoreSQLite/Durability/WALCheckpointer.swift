import CAPICore
import CAPIStore
import Dispatch
import Foundation
import GRDBSQLite
import Synchronization

/// Keeps the write-ahead log short without making a request pay for it.
///
/// By default SQLite checkpoints inside the commit that takes the WAL past
/// 1,000 pages, so the request that happens to cross it also copies the
/// whole WAL into the database file and waits for its fsync. Here the writer's WAL hook only signals, and the
/// copy runs on a connection of its own in the background (PASSIVE: it never
/// blocks the writer or readers).
///
/// The WAL starts over from its beginning only when a write begins after
/// every frame was copied, which under steady load a background copy never
/// quite achieves (new frames land while it copies). So past `hardLimit`
/// bytes the committing writer checkpoints itself, as SQLite would: by then
/// the background has copied most frames, only the latest are left, and the
/// next write resets the WAL.
final class WALCheckpointer: Sendable {
    let path: String
    /// WAL bytes after a commit that start a background checkpoint.
    let softLimit: Int
    /// WAL bytes past which the committing writer checkpoints itself.
    let hardLimit: Int
    /// The page sizes of the main database and the attached ones: the WAL
    /// hook counts pages, the limits are bytes (an existing database keeps
    /// the page size it was created with). Each WAL is measured on its own.
    private let pageSizes = Mutex<[String: Int]>([:])
    private let queue = DispatchQueue(label: "capi.sqlite.checkpoint")
    private let pending = Mutex(false)
    private let connection = Mutex<OpaquePointer?>(nil)

    /// Databases attached to the store's connections, by schema name and
    /// path: the checkpointer's connection attaches them too, so one
    /// checkpoint copies every WAL.
    let attached: [(name: String, path: String)]

    init(path: String, attached: [(name: String, path: String)] = [], softLimit: Int = 4 << 20, hardLimit: Int = 64 << 20) {
        self.path = path
        self.attached = attached
        self.softLimit = softLimit
        self.hardLimit = hardLimit
    }

    /// Replaces SQLite's automatic checkpoint on `connection`, once its page
    /// size is set. The hook does not retain the checkpointer: the store's
    /// configuration, which installs it on every connection it opens, holds
    /// it as long as they live.
    func install(on connection: OpaquePointer, pageSizes: [String: Int]) {
        self.pageSizes.withLock { $0 = pageSizes }
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(connection, { context, connection, schema, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
            let name = schema.map { String(cString: $0) } ?? "main"
            let bytes = Int(pages) * checkpointer.pageSizes.withLock { $0[name] ?? 4_096 }
            if bytes >= checkpointer.hardLimit {
                sqlite3_wal_checkpoint_v2(connection, schema, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else if bytes >= checkpointer.softLimit {
                checkpointer.schedule()
            }
            return SQLITE_OK
        }, context)
    }

    /// At most one checkpoint is queued at a time.
    private func schedule() {
        let start = pending.withLock { pending in
            defer { pending = true }
            return !pending
        }
        guard start else { return }
        queue.async { [self] in
            pending.withLock { $0 = false }
            checkpoint()
        }
    }

    /// One PASSIVE checkpoint, on a connection of the checkpointer's own,
    /// opened on first use and kept: opening one reads the whole schema,
    /// which under sustained load (a checkpoint every few tens of
    /// milliseconds) is a cost worth avoiding. Only the checkpoint queue
    /// touches it.
    func checkpoint() {
        connection.withLock { connection in
            if connection == nil {
                // READWRITE without CREATE: a database removed meanwhile is not recreated.
                guard sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
                    sqlite3_close_v2(connection)
                    connection = nil
                    return
                }
                sqlite3_exec(connection, "PRAGMA synchronous = FULL", nil, nil, nil)
                for database in attached {
                    var stmt: OpaquePointer?
                    guard sqlite3_prepare_v2(connection, "ATTACH DATABASE ? AS \(database.name)", -1, &stmt, nil) == SQLITE_OK else { continue }
                    sqlite3_bind_text(stmt, 1, database.path, -1, SQLiteBind.transient)
                    sqlite3_step(stmt)
                    sqlite3_finalize(stmt)
                    sqlite3_exec(connection, "PRAGMA \(database.name).synchronous = FULL", nil, nil, nil)
                }
            }
            sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
    }

    deinit {
        _ = connection.withLock { sqlite3_close_v2($0) }
    }
}
