import CAPICore
import CAPIStore
import Foundation
import GRDB
import GRDBSQLite
import Logging

/// The dedup index of stored events: a 64-bit *place* for each event's
/// dedup key (account, source, type, event id, `EventPlaces`) mapped to its
/// `seq`, in a database file of its own with small pages, attached to every
/// connection as `dedup`, and its newest entries in memory
/// (`RecentEventPlaces`) until a merger files them (`EventIDMerger`).
///
/// A file of its own, because senders' event ids are often random (UUIDs):
/// a new entry lands on a random page, and SQLite writes every page it
/// dirtied whole to the WAL. The server's writer only reads the file; the
/// merger writes it in large sorted passes on a connection of its own, so
/// ingestion neither waits for those pages nor writes a second WAL. A place
/// keeps the order of ids that differ only in their last characters, so
/// increasing ids (order numbers) land on few pages (docs/architecture.md,
/// "The dedup index").
///
/// It is derived data. The file records the last seq it covers and the
/// identity of the main file; what memory held is lost with the process, and
/// `reconcile` (on every open) indexes the events past what the file covers
/// and drops entries past the stored events; an index beside another
/// database, or with no key, is rebuilt.
///
/// Exact: a taken place alone never makes a duplicate; the stored event's
/// key is compared (`storedSeq`). A different key of the same place is
/// stored too, its entry in `collisions`.
enum EventIDIndex {
    /// The schema name the index is attached under.
    static let schema = "dedup"
    /// The index file's page size: the WAL bytes of each new event's entry.
    static let pageSize = 512
    /// Page cache for the index of the server's writer and of the merger,
    /// in KiB: the upper levels of the tree stay in memory.
    static let writerCacheKiB = 16 * 1024

    static func path(besideDatabase path: String) -> String { path + "-dedup" }

    /// Attaches the index to a connection; `path` is created if it is not there.
    static func attach(_ db: Database, path: String) throws {
        try db.execute(sql: "ATTACH DATABASE ? AS \(schema)", arguments: [path])
        // Takes effect only while the file is empty; then as the main file:
        // WAL, commits that skip their fsync (the index is derived).
        try db.execute(sql: """
            PRAGMA \(schema).page_size = \(pageSize);
            PRAGMA \(schema).journal_mode = WAL;
            PRAGMA \(schema).synchronous = NORMAL;
            PRAGMA \(schema).journal_size_limit = 67108864;
            """)
    }

    static let createTables = """
        CREATE TABLE IF NOT EXISTS \(schema).event_ids (place INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS \(schema).collisions (
            place INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (place, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS \(schema).meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
        """

    /// The seq of the stored event with this dedup key, if there is one:
    /// the entries of its place in memory (`recent`), then in the file,
    /// compared key by key. Asks memory first: a transaction must not have
    /// read the file before (see `RecentEventPlaces`).
    static func storedSeq(_ db: Database, place: Int64, key: EventDedupKey, recent: RecentEventPlaces?) throws -> Int64? {
        let inMemory = recent?.seqs(at: place) ?? []
        if !inMemory.isEmpty {
            let stmt = try db.cachedStatement(sql: """
                SELECT seq FROM events WHERE seq = ?1 AND account_id = ?2 AND event_source_id = ?3 AND event_type = ?4 AND event_id = ?5
                """).sqliteStatement
            for seq in inMemory.sorted() {
                defer { sqlite3_reset(stmt) }
                sqlite3_bind_int64(stmt, 1, seq)
                bind(key, stmt)
                if try SQLiteRow.step(stmt, db) { return seq }
            }
        }
        let stmt = try db.cachedStatement(sql: """
            SELECT e.seq FROM events e
            WHERE e.seq IN (SELECT seq FROM \(schema).event_ids WHERE place = ?1
                            UNION ALL SELECT seq FROM \(schema).collisions WHERE place = ?1)
              AND e.account_id = ?2 AND e.event_source_id = ?3 AND e.event_type = ?4 AND e.event_id = ?5
            ORDER BY e.seq LIMIT 1
            """).sqliteStatement
        defer { sqlite3_reset(stmt) }
        sqlite3_bind_int64(stmt, 1, place)
        bind(key, stmt)
        return try SQLiteRow.step(stmt, db) ? SQLiteRow.int64(stmt, 0) : nil
    }

    private static func bind(_ key: EventDedupKey, _ stmt: OpaquePointer?) {
        SQLiteBind.text(stmt, 2, key.accountID)
        SQLiteBind.text(stmt, 3, key.eventSourceID)
        SQLiteBind.text(stmt, 4, key.eventType)
        SQLiteBind.text(stmt, 5, key.eventID)
    }

    /// The stored event with this dedup key (nil before the store is open).
    static func storedSeq(_ db: Database, key: EventDedupKey, recent: RecentEventPlaces) throws -> Int64? {
        guard let place = recent.place(key) else { return nil }
        return try storedSeq(db, place: place, key: key, recent: recent)
    }

    /// Files `entries`, in (place, seq) order: each in `event_ids`, or in
    /// `collisions` when its place holds another seq; one already filed (by
    /// another process's open) is skipped.
    static func file(_ entries: [(place: Int64, seq: Int64)], _ db: Database) throws {
        let rows = 64
        let many = try db.cachedStatement(sql: "INSERT INTO \(schema).event_ids (place, seq) VALUES "
            + Array(repeating: "(?, ?)", count: rows).joined(separator: ", ") + " ON CONFLICT DO NOTHING").sqliteStatement
        var start = 0
        while start < entries.count {
            let end = min(start + rows, entries.count)
            if end - start == rows {
                for (i, entry) in entries[start..<end].enumerated() {
                    sqlite3_bind_int64(many, Int32(2 * i + 1), entry.place)
                    sqlite3_bind_int64(many, Int32(2 * i + 2), entry.seq)
                }
                try SQLiteRow.execute(many, db)
                sqlite3_reset(many)
                if db.changesCount == rows {
                    start = end
                    continue
                }
            }
            // A place was taken, or a short tail: one entry at a time.
            for entry in entries[start..<end] { try addEntry(db, place: entry.place, seq: entry.seq) }
            start = end
        }
    }

    /// Adds the entry of a stored event: to `event_ids`, or to `collisions`
    /// if its place holds another seq.
    static func addEntry(_ db: Database, place: Int64, seq: Int64) throws {
        try db.execute(
            sql: "INSERT INTO \(schema).event_ids (place, seq) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [place, seq])
        guard db.changesCount == 0 else { return }
        let held = try Int64.fetchOne(db, sql: "SELECT seq FROM \(schema).event_ids WHERE place = ?", arguments: [place])
        if held != seq {
            try db.execute(sql: "INSERT OR IGNORE INTO \(schema).collisions (place, seq) VALUES (?, ?)", arguments: [place, seq])
        }
    }

    // MARK: - What the index knows of itself

    /// The secret key of its hash; nil before the first `reconcile`.
    static func hashKey(_ db: Database) throws -> (UInt64, UInt64)? {
        SipHash24.key(stored: try Data.fetchOne(db, sql: "SELECT value FROM \(schema).meta WHERE name = 'key'"))
    }

    /// The last seq whose event has its entry.
    static func covered(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM \(schema).meta WHERE name = 'covered'") ?? 0
    }

    static func setCovered(_ db: Database, _ seq: Int64) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO \(schema).meta (name, value) VALUES ('covered', ?)", arguments: [seq])
    }

    // MARK: - Reconciling with the events

    /// Brings the index to exactly the stored events, on the writer, before
    /// anything is ingested: see the type's documentation.
    static func reconcile(_ db: Database, logger: Logger?) throws {
        try db.execute(sql: createTables)
        let storeID = try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = 'store_id'")
        let indexedStore = try String.fetchOne(db, sql: "SELECT value FROM \(schema).meta WHERE name = 'store_id'")
        if try hashKey(db) == nil || storeID != indexedStore {
            try db.execute(sql: """
                DELETE FROM \(schema).event_ids; DELETE FROM \(schema).collisions; DELETE FROM \(schema).meta;
                """)
            try db.execute(sql: "INSERT INTO \(schema).meta (name, value) VALUES ('key', ?), ('store_id', ?), ('covered', 0)",
                           arguments: [SipHash24.randomKeyBytes(), storeID])
        }
        let lastEvent = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0
        let covered = try covered(db)
        if covered > lastEvent {
            // Ahead of the events (they lost their last commits to a crash).
            try db.execute(sql: "DELETE FROM \(schema).event_ids WHERE seq > ?", arguments: [lastEvent])
            try db.execute(sql: "DELETE FROM \(schema).collisions WHERE seq > ?", arguments: [lastEvent])
            logger?.notice("dedup index: dropped entries past the last stored event", metadata: ["seq": "\(lastEvent)"])
        } else if covered < lastEvent {
            let indexed = try index(db, after: covered)
            if indexed > 0 {
                logger?.notice("dedup index: indexed stored events it did not cover", metadata: ["events": "\(indexed)"])
            }
        }
        try setCovered(db, lastEvent)
    }

    /// Adds the entries of the events after `seq`; returns how many. A
    /// chunk's entries are added in place order, so neighbours share pages.
    private static func index(_ db: Database, after seq: Int64) throws -> Int {
        guard let hashKey = try hashKey(db) else { return 0 }
        let places = EventPlaces(key: hashKey)
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, account_id, event_source_id, event_type, event_id FROM events WHERE seq > ? ORDER BY seq
            """, arguments: [seq])
        var chunk: [(place: Int64, seq: Int64, key: EventDedupKey)] = []
        var count = 0
        func addChunk() throws {
            chunk.sort { ($0.place, $0.seq) < ($1.place, $1.seq) }
            // A twin stored earlier keeps the entry (the events were stored
            // through this index, so there is none but by a damaged file).
            for entry in chunk where try storedSeq(db, place: entry.place, key: entry.key, recent: nil) == nil {
                try addEntry(db, place: entry.place, seq: entry.seq)
            }
            count += chunk.count
            chunk.removeAll(keepingCapacity: true)
        }
        while let row = try rows.next() {
            let key = EventDedupKey(accountID: row[1], eventSourceID: row[2], eventType: row[3], eventID: row[4])
            chunk.append((places.place(key), row[0], key))
            if chunk.count >= RecentEventPlaces.defaultMergeAt { try addChunk() }
        }
        try addChunk()
        return count
    }
}

/// What makes two events the same event: AdCP's dedup key within an account.
struct EventDedupKey: Equatable {
    var accountID: String
    var eventSourceID: String
    var eventType: String
    var eventID: String
}

/// Where a dedup key goes in the index: a 64-bit integer whose high 40
/// bits are a keyed hash (SipHash-2-4) of the account, source, type and the
/// event id but for its last `tailBytes` bytes, and whose low 24 bits are
/// those bytes. Ids that differ only in their tail (an order number and the
/// next) get neighbouring places; other ids are spread over the key space,
/// and with a secret key nobody can choose ids that crowd one place.
///
/// Each part is fed as its UTF-8 bytes followed by 0xFF (a byte UTF-8 never
/// holds), so no two keys feed the hash the same bytes.
struct EventPlaces {
    static let tailBytes = 3
    private let key: (UInt64, UInt64)

    init(key: (UInt64, UInt64)) { self.key = key }

    /// The hash state after account and source, shared by a batch's events.
    func prefix(accountID: String, eventSourceID: String) -> SipHash24 {
        var hash = SipHash24(key: key)
        hash.append(part: accountID)
        hash.append(part: eventSourceID)
        return hash
    }

    /// The place of an event of `prefix`'s account and source.
    static func place(_ prefix: SipHash24, eventType: String, eventID: UnsafeBufferPointer<UInt8>) -> Int64 {
        var hash = prefix
        hash.append(part: eventType)
        let split = max(0, eventID.count - tailBytes)
        hash.append(UnsafeBufferPointer(rebasing: eventID[..<split]))
        var tail: UInt64 = 0
        for byte in eventID[split...] { tail = tail << 8 | UInt64(byte) }
        tail <<= 8 * UInt64(tailBytes - (eventID.count - split))
        return Int64(bitPattern: hash.finalize() & ~0xFF_FFFF | tail)
    }

    func place(_ key: EventDedupKey) -> Int64 {
        let prefix = prefix(accountID: key.accountID, eventSourceID: key.eventSourceID)
        var id = key.eventID
        return id.withUTF8 { Self.place(prefix, eventType: key.eventType, eventID: $0) }
    }

}
