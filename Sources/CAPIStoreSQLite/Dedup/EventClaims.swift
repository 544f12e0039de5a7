import CAPICore
import GRDB
import GRDBSQLite

/// One ingest transaction's claims on the dedup index: each accepted
/// event's place (`EventPlaces`) is looked up in memory (`RecentEventPlaces`)
/// and in the index file; a free place makes a new event, whose entry goes to
/// memory with the seq it will be stored under; a taken one makes it
/// contested (a duplicate, or another key of the same place: the caller
/// compares keys once the run's new events are stored).
///
/// New events get consecutive seqs, the ones SQLite gives rows appended to
/// `events` (the largest seq plus one), so their inserts take SQLite's
/// append path instead of seeking each seq.
struct EventClaims {
    /// An event of a run, by its index there, with its seq and place.
    struct Row {
        var index: Int
        var seq: Int64
        var place: Int64 = 0
    }

    /// The hash state of the batch's account and source.
    private let prefix: SipHash24
    private let recent: RecentEventPlaces
    /// `probeWidth` places looked up in the file in one statement.
    private let probe: OpaquePointer?
    /// The seq the next new event gets.
    private var nextSeq: Int64

    static let probeWidth = 50

    init(_ db: Database, places: EventPlaces, recent: RecentEventPlaces, accountID: String, eventSourceID: String) throws {
        prefix = places.prefix(accountID: accountID, eventSourceID: eventSourceID)
        self.recent = recent
        probe = try db.cachedStatement(sql: Self.probeSQL).sqliteStatement
        nextSeq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0) + 1
    }

    /// Claims an entry for each of `events`: the fresh ones (their entries
    /// are in memory now) and the contested ones, each in the order of `events`.
    mutating func claim(
        _ events: UnsafeBufferPointer<ConversionEvent>, _ db: Database
    ) throws -> (fresh: [Row], contested: [Row]) {
        let places = events.map { e in
            e.text.bytes.withUnsafeBufferPointer { text in
                EventPlaces.place(prefix, eventType: e.eventType.rawValue, eventID: UnsafeBufferPointer(rebasing: text[e.eventIDSpan.range]))
            }
        }
        let taken = try takenInFile(places, db)
        var fresh: [Row] = []
        var contested: [Row] = []
        fresh.reserveCapacity(events.count)
        recent.state.withLock { state in
            for (index, place) in places.enumerated() {
                if taken.contains(place) || state.contains(place) {
                    contested.append(Row(index: index, seq: 0, place: place))
                } else {
                    let row = Row(index: index, seq: takeSeq(), place: place)
                    state.add(place: place, seq: row.seq)
                    fresh.append(row)
                }
            }
        }
        return (fresh, contested)
    }

    /// The seq for a new event.
    mutating func takeSeq() -> Int64 {
        defer { nextSeq += 1 }
        return nextSeq
    }

    /// Which of `places` the index file holds, `probeWidth` to a statement
    /// (a short tail repeats its first place).
    private func takenInFile(_ places: [Int64], _ db: Database) throws -> Set<Int64> {
        var taken = Set<Int64>()
        var start = 0
        while start < places.count {
            let end = min(start + Self.probeWidth, places.count)
            for slot in 0..<Self.probeWidth {
                let i = start + slot
                sqlite3_bind_int64(probe, Int32(slot + 1), places[i < end ? i : start])
            }
            while try SQLiteRow.step(probe, db) { taken.insert(SQLiteRow.int64(probe, 0)) }
            sqlite3_reset(probe)
            start = end
        }
        return taken
    }

    static let probeSQL = "SELECT place FROM \(EventIDIndex.schema).event_ids WHERE place IN ("
        + Array(repeating: "?", count: probeWidth).joined(separator: ", ") + ")"
}
