import PostgresNIO
import Synchronization

/// How far in seq an attribution pass over an account may read its events
/// and exposures.
///
/// Seqs are handed out when a row is inserted, but transactions commit in
/// any order: while a batch holding seq 7 is still open, seq 8 may already be
/// visible. A pass that read up to 8 and moved its cursor there would skip 7
/// for ever. So a pass reads only up to a mark below which every seq is
/// settled (committed or rolled back).
///
/// Every transaction that stores events or exposures first takes the
/// schema's writer lock, shared, and its transaction id (`orderWrites`),
/// before any seq. A mark is the newest seqs visible, read before the
/// transaction ids of the writers then holding the lock: a writer with a
/// seq below the mark is among them. Once none of them holds the lock any
/// more, the mark is settled. A pass waits a little (`patience`) for a fresh
/// mark; a mark still open then waits for a later pass, which reads up to
/// the last settled one meanwhile. Writers never wait for a pass. Marks are
/// kept per account (the newest seqs of that account's rows); the writers
/// in flight are the schema's.
final class CommitHorizon: Sendable {
    struct Marks: Sendable, Equatable {
        var events: Int64 = 0
        var exposures: Int64 = 0

        func max(_ other: Marks) -> Marks {
            Marks(events: Swift.max(events, other.events), exposures: Swift.max(exposures, other.exposures))
        }
    }

    private struct State {
        var settled = Marks()
        /// A mark waiting for its writers (transaction ids) to end.
        var waiting: (marks: Marks, writers: [String])?
    }

    private let states = Mutex([String: State]())

    /// How long a pass waits for the writers in flight when it takes a
    /// mark: ingest transactions last milliseconds; one storing a batch
    /// while it arrives may last longer, and is not waited for.
    static let patience: Duration = .seconds(2)

    /// Moves `account`'s settled marks as far as the database allows now,
    /// and returns them.
    func advance(_ db: PostgresConnection, account: String) async throws -> Marks {
        if let waiting = states.withLock({ $0[account]?.waiting }), try await Self.ended(waiting.writers, db) {
            states.withLock { all in
                all[account, default: State()].settled = all[account, default: State()].settled.max(waiting.marks)
                all[account]?.waiting = nil
            }
        }
        let fresh = try await Self.newest(db, account: account)
        let writers = try await Self.writersInFlight(db)
        let endedNow = try await Self.awaitEnded(writers, db)
        return states.withLock { all in
            var s = all[account, default: State()]
            if endedNow {
                s.settled = s.settled.max(fresh)
            } else if s.waiting == nil {
                s.waiting = (fresh, writers)
            }
            all[account] = s
            return s.settled
        }
    }

    /// The newest seqs of `account`'s rows visible now.
    private static func newest(_ db: PostgresConnection, account: String) async throws -> Marks {
        guard let row = try await db.rows("""
            SELECT COALESCE((SELECT max(seq) FROM events WHERE account_id = \(account)), 0),
                COALESCE((SELECT max(seq) FROM exposures WHERE account_id = \(account)), 0)
            """).first else { return Marks() }
        let r = Cells(row)
        return Marks(events: try r.get(0), exposures: try r.get(1))
    }

    /// SQL for the transaction ids (as text) of the writers holding this
    /// schema's writer lock: each transaction holds a lock on its own id.
    private static let writersSQL = """
        SELECT t.transactionid::text FROM pg_locks w
        JOIN pg_locks t ON t.pid = w.pid AND t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock' AND t.granted
        WHERE w.locktype = 'advisory' AND w.granted AND w.objsubid = 2
            AND w.classid = \(PostgresSchema.writerLock)::oid AND w.objid = hashtext(COALESCE(current_schema(), ''))::oid
        """

    private static func writersInFlight(_ db: PostgresConnection) async throws -> [String] {
        try await db.rows(PostgresQuery(unsafeSQL: writersSQL)).map { try Cells($0).get(0, as: String.self) }
    }

    /// True once none of `writers` holds the writer lock any more.
    private static func ended(_ writers: [String], _ db: PostgresConnection) async throws -> Bool {
        guard !writers.isEmpty else { return true }
        var binds = PostgresBindings()
        binds.append(writers)
        let sql = "SELECT NOT EXISTS (SELECT 1 FROM (\(writersSQL)) AS w(id) WHERE w.id = ANY($1))"
        return try await db.value(PostgresQuery(unsafeSQL: sql, binds: binds), as: Bool.self) ?? false
    }

    /// Polls `ended` for up to `patience`.
    private static func awaitEnded(_ writers: [String], _ db: PostgresConnection) async throws -> Bool {
        let deadline = ContinuousClock.now + patience
        var pause = Duration.milliseconds(1)
        while true {
            if try await ended(writers, db) { return true }
            guard ContinuousClock.now + pause < deadline else { return false }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
    }
}
