import CAPICore
import GRDB
import GRDBSQLite

/// One ingest transaction's claims on the dedup index: each accepted event
/// tries to insert `place → seq` into `event_ids` (`EventPlaces`); a claim
/// that goes through is a new event, one refused by a taken place is
/// contested (a duplicate, or another key of the same place: the caller
/// compares keys once the run's new events are stored).
///
/// New events get consecutive seqs, the ones SQLite gives rows appended to
/// `events` (the largest seq plus one), so their inserts take SQLite's
/// append path instead of seeking each seq; a statement's claims are made
/// with the seqs they would have if all went through, and the few entries
/// that follow a refused claim are moved down.
struct EventClaims {
    /// An event of a run, by its index there, with its seq and place.
    struct Row {
        var index: Int
        var seq: Int64
        var place: Int64 = 0
    }

    /// The hash state of the batch's account and source.
    private let prefix: SipHash24
    private let many: OpaquePointer?
    private let one: OpaquePointer?
    private let lookup: OpaquePointer?
    private let update: OpaquePointer?
    private let rowsPerStatement: Int
    /// The seq the next new event gets.
    private var nextSeq: Int64

    init(_ db: Database, places: EventPlaces, accountID: String, eventSourceID: String, rowsPerStatement: Int) throws {
        prefix = places.prefix(accountID: accountID, eventSourceID: eventSourceID)
        self.rowsPerStatement = rowsPerStatement
        many = try db.cachedStatement(sql: Self.claimSQL(rows: rowsPerStatement)).sqliteStatement
        one = try db.cachedStatement(sql: Self.claimSQL(rows: 1)).sqliteStatement
        lookup = try db.cachedStatement(sql: "SELECT seq FROM \(EventIDIndex.schema).event_ids WHERE place = ?").sqliteStatement
        update = try db.cachedStatement(sql: "UPDATE \(EventIDIndex.schema).event_ids SET seq = ? WHERE place = ?").sqliteStatement
        nextSeq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0) + 1
    }

    /// Claims an entry for each of `events`: the fresh ones (claim went
    /// through) and the contested ones, each in the order of `events`.
    mutating func claim(
        _ events: UnsafeBufferPointer<ConversionEvent>, _ db: Database
    ) throws -> (fresh: [Row], contested: [Row]) {
        var fresh: [Row] = []
        var contested: [Row] = []
        fresh.reserveCapacity(events.count)
        var rows: [Row] = []
        rows.reserveCapacity(rowsPerStatement)
        var start = 0
        while start < events.count {
            let count = events.count - start >= rowsPerStatement ? rowsPerStatement : 1
            let stmt = count == 1 ? one : many
            let base = nextSeq
            rows.removeAll(keepingCapacity: true)
            for r in 0..<count {
                let e = events[start + r]
                let place = e.text.bytes.withUnsafeBufferPointer { text in
                    EventPlaces.place(
                        prefix, eventType: e.eventType.rawValue, eventID: UnsafeBufferPointer(rebasing: text[e.eventIDSpan.range]))
                }
                rows.append(Row(index: start + r, seq: base + Int64(r), place: place))
                sqlite3_bind_int64(stmt, Int32(2 * r + 1), place)
                sqlite3_bind_int64(stmt, Int32(2 * r + 2), base + Int64(r))
            }
            try SQLiteRow.execute(stmt, db)
            let claimed = Int(sqlite3_changes(db.sqliteConnection))
            sqlite3_reset(stmt)
            if claimed == count {
                fresh.append(contentsOf: rows)
                nextSeq += Int64(count)
            } else {
                // Some place was taken: which, each entry's seq tells.
                for var row in rows {
                    guard try seq(at: row.place, db) == row.seq else {
                        contested.append(row)
                        continue
                    }
                    let claimedSeq = row.seq
                    row.seq = takeSeq()
                    if row.seq != claimedSeq { try move(row, db) }
                    fresh.append(row)
                }
            }
            start += count
        }
        return (fresh, contested)
    }

    /// The seq for a new event found after the claims (another key of a
    /// taken place).
    mutating func takeSeq() -> Int64 {
        defer { nextSeq += 1 }
        return nextSeq
    }

    /// Gives a claimed entry its event's final seq.
    private func move(_ row: Row, _ db: Database) throws {
        sqlite3_bind_int64(update, 1, row.seq)
        sqlite3_bind_int64(update, 2, row.place)
        defer { sqlite3_reset(update) }
        try SQLiteRow.execute(update, db)
    }

    /// The seq of the entry at `place`.
    private func seq(at place: Int64, _ db: Database) throws -> Int64? {
        sqlite3_bind_int64(lookup, 1, place)
        defer { sqlite3_reset(lookup) }
        return try SQLiteRow.step(lookup, db) ? SQLiteRow.int64(lookup, 0) : nil
    }

    /// `INSERT … ON CONFLICT DO NOTHING` of `rows` entries: when fewer rows
    /// changed than were sent, a place was taken.
    static func claimSQL(rows: Int) -> String {
        let values = (0..<rows).map { "(?\(2 * $0 + 1), ?\(2 * $0 + 2))" }.joined(separator: ", ")
        return "INSERT INTO \(EventIDIndex.schema).event_ids (place, seq) VALUES \(values) ON CONFLICT DO NOTHING"
    }
}
