import CAPICore
import CAPIStore
import PostgresNIO

/// Reads what an attribution pass over one account decides from, in bulk,
/// inside the pass's transaction: each kind of input is one statement over
/// arrays (`unnest`), not one round trip per conversion or key, and every
/// statement stays inside the account.
struct PostgresAttributionReads {
    let db: PostgresConnection
    let account: String

    func cursors() async throws -> AttributionCursors {
        var cursors = AttributionCursors()
        for row in try await db.rows("SELECT name, position FROM attribution_cursors WHERE account_id = \(account)") {
            let r = Cells(row)
            switch try r.get(0, as: String.self) {
            case "conversions": cursors.conversions = try r.get(1)
            case "exposures": cursors.exposures = try r.get(1)
            default: break
            }
        }
        return cursors
    }

    /// Each of the account's sources' window, read from its `ext.attribution_window`.
    func windows() async throws -> AttributionWindows {
        var windows = AttributionWindows()
        for row in try await db.rows("""
            SELECT account_id, event_source_id, ext FROM event_sources WHERE ext IS NOT NULL AND account_id = \(account)
            """) {
            let r = Cells(row)
            windows.resolve(
                accountID: try r.get(0), eventSourceID: try r.get(1), ext: (try r.get(2, as: String?.self)).flatMap(JSONValue.parse))
        }
        return windows
    }

    /// The newest exposure's seq up to `mark`, if any exposure is there.
    func newestExposure(upTo mark: Int64) async throws -> Int64? {
        try await db.value("SELECT max(seq) FROM exposures WHERE account_id = \(account) AND seq <= \(mark)", as: Int64?.self) ?? nil
    }

    /// An exposure that arrived after the exposures cursor.
    struct LateExposure {
        var seq: Int64
        var account: String
        var time: Int64
        /// The stored key list (`IdentityKey.listSeparator` between keys).
        var keys: String
    }

    /// Exposures after `seq` up to `mark`, in arrival order, at most `limit`.
    func lateExposures(after seq: Int64, upTo mark: Int64, limit: Int) async throws -> [LateExposure] {
        try await db.rows("""
            SELECT seq, account_id, time, keys FROM exposures
            WHERE account_id = \(account) AND seq > \(seq) AND seq <= \(mark) ORDER BY seq LIMIT \(limit)
            """).map { row in
            let r = Cells(row)
            return LateExposure(seq: try r.get(0), account: try r.get(1), time: try r.get(2), keys: try r.get(3))
        }
    }

    /// The conversions examined so far (seq up to `seen`) that a late
    /// exposure could claim, ascending: one lookup of every key at once.
    func conversionsReached(by exposures: [LateExposure], windows: AttributionWindows, seen: Int64) async throws -> [Int64] {
        var accounts: [String] = []
        var keys: [String] = []
        var froms: [Int64] = []
        var tos: [Int64] = []
        for e in exposures {
            let reach = AttributionPlanner.reach(ofExposureAt: e.time, windows: windows)
            for key in IdentityKey.storageKeys(inList: e.keys) {
                accounts.append(e.account)
                keys.append(key)
                froms.append(reach.lowerBound)
                tos.append(reach.upperBound)
            }
        }
        guard !keys.isEmpty else { return [] }
        return try await db.rows("""
            SELECT DISTINCT k.event_seq
            FROM unnest(\(accounts)::text[], \(keys)::text[], \(froms)::int8[], \(tos)::int8[]) AS q(account_id, key, t0, t1)
            JOIN event_keys k ON k.account_id = q.account_id AND k.key = q.key AND k.event_time >= q.t0 AND k.event_time <= q.t1
            WHERE k.event_seq <= \(seen)
            ORDER BY 1
            """).map { try Cells($0).get(0, as: Int64.self) }
    }

    /// A conversion with the status recorded for it before the pass, and
    /// what that decision credited when it attributed it.
    struct Examined {
        var conversion: PendingConversion
        var previous: AttributionStatus?
        var credited: ConversionCredit?
    }

    static let conversionColumns = """
        e.seq, e.account_id, e.event_source_id, e.event_type, e.event_id, e.event_time, e.received_at, e.action_source,
        e.value, e.currency, e.payload, a.status, a.media_buy_id, a.package_id, a.creative_id, a.event_time, a.event_type,
        a.action_source, a.currency, a.value
        """

    /// New conversions: after `seq` up to `mark`, in arrival order, at most `limit`.
    func conversions(after seq: Int64, upTo mark: Int64, limit: Int) async throws -> [PendingConversion] {
        try await db.rows("""
            SELECT \(unescaped: Self.conversionColumns)
            FROM events e LEFT JOIN attributions a ON false
            WHERE e.account_id = \(account) AND e.seq > \(seq) AND e.seq <= \(mark) ORDER BY e.seq LIMIT \(limit)
            """).map { try Self.examined($0).conversion }
    }

    /// The conversions with these seqs, in the given order, with their recorded status.
    func conversions(seqs: [Int64]) async throws -> [Examined] {
        guard !seqs.isEmpty else { return [] }
        return try await db.rows("""
            SELECT \(unescaped: Self.conversionColumns)
            FROM unnest(\(seqs)::int8[]) WITH ORDINALITY AS s(seq, n)
            JOIN events e ON e.account_id = \(account) AND e.seq = s.seq
            LEFT JOIN attributions a ON a.account_id = e.account_id AND a.event_seq = e.seq
            ORDER BY s.n
            """).map(Self.examined(_:))
    }

    /// Conversions examined so far (seq up to `seen`) with event_time in the
    /// range, in arrival order, with their recorded status.
    func conversions(from: Int64, to: Int64, seen: Int64) async throws -> [Examined] {
        try await db.rows("""
            SELECT \(unescaped: Self.conversionColumns)
            FROM events e LEFT JOIN attributions a ON a.account_id = e.account_id AND a.event_seq = e.seq
            WHERE e.account_id = \(account) AND e.event_time >= \(from) AND e.event_time <= \(to) AND e.seq <= \(seen)
            ORDER BY e.seq
            """).map(Self.examined(_:))
    }

    /// A row of `conversionColumns`: the conversion, its keys read from its
    /// stored payload, and its recorded decision if it has one.
    private static func examined(_ row: PostgresRow) throws -> Examined {
        let r = Cells(row)
        let keys = try r.bytes(10).withUnsafeBufferPointer { IdentityKey.storageKeys(ofStoredEvent: $0) }
        let conversion = PendingConversion(
            seq: try r.get(0), account: try r.get(1), source: try r.get(2), type: try r.get(3), id: try r.get(4),
            time: try r.get(5), receivedAt: try r.get(6), actionSource: try r.get(7), value: try r.get(8),
            currency: try r.get(9), keys: keys)
        let previous = (try r.get(11, as: String?.self)).flatMap(AttributionStatus.init(rawValue:))
        guard previous == .attributed else { return Examined(conversion: conversion, previous: previous) }
        let credit = ConversionCredit(
            key: ConversionRollupKey(
                account: conversion.account, mediaBuyID: try r.get(12, as: String?.self) ?? "",
                packageID: try r.get(13, as: String?.self) ?? "", creativeID: try r.get(14, as: String?.self) ?? "",
                hour: RollupHour.of(try r.get(15, as: Int64?.self) ?? 0), eventType: try r.get(16, as: String?.self) ?? "",
                actionSource: try r.get(17), currency: try r.get(18)),
            value: try r.get(19, as: Double?.self) ?? 0)
        return Examined(conversion: conversion, previous: previous, credited: credit)
    }

    /// The planner's input: the conversions with their candidates (exposures
    /// up to the horizon) and the originals recorded for their ConversionKeys.
    func passInput(
        _ conversions: [(PendingConversion, Examination, ConversionCredit?)], windows: AttributionWindows,
        cursors: AttributionCursors, exposuresSeen: Int64?, at: Int64
    ) async throws -> AttributionPassInput {
        let pending = conversions.map(\.0)
        let horizon = AttributionPlanner.horizon(cursors, exposuresSeen: exposuresSeen)
        let candidates = try await self.candidates(pending, windows: windows, horizon: horizon)
        let entries = conversions.enumerated().map { n, c in
            AttributionPassInput.Entry(conversion: c.0, examination: c.1, candidates: candidates[n], credited: c.2)
        }
        return AttributionPassInput(
            entries: entries, originals: try await originals(pending), windows: windows,
            cursors: cursors, exposuresSeen: exposuresSeen, at: at)
    }

    /// Every exposure up to the horizon that shares a key with a conversion
    /// inside its source's lookback, per conversion: every key of every
    /// conversion in one statement, each hashed entry checked against the
    /// exposure's own account and keys.
    func candidates(_ conversions: [PendingConversion], windows: AttributionWindows, horizon: Int64) async throws -> [[CandidateExposure]] {
        var out = [[CandidateExposure]](repeating: [], count: conversions.count)
        var lookups: (conversion: [Int], keyIndex: [Int], account: [String], key: [String], from: [Int64], to: [Int64]) =
            ([], [], [], [], [], [])
        for (n, c) in conversions.enumerated() {
            let lookback = AttributionPlanner.lookback(of: c, windows: windows)
            for (k, key) in c.keys.enumerated() {
                lookups.conversion.append(n)
                lookups.keyIndex.append(k)
                lookups.account.append(c.account)
                lookups.key.append(key)
                lookups.from.append(lookback.lowerBound)
                lookups.to.append(lookback.upperBound)
            }
        }
        guard !lookups.key.isEmpty else { return out }
        let rows = try await db.rows("""
            SELECT q.n, q.k, e.seq, e.exposure_id, e.kind, e.time, e.media_buy_id, e.package_id, e.creative_id
            FROM unnest(\(lookups.conversion)::int8[], \(lookups.keyIndex)::int8[], \(lookups.account)::text[], \(lookups.key)::text[],
                \(lookups.from)::int8[], \(lookups.to)::int8[]) AS q(n, k, account_id, key, t0, t1)
            JOIN exposure_keys x ON x.account_id = q.account_id AND x.key_hash = \(unescaped: PostgresStore.identityKeyHash("q.key"))
                AND x.time >= q.t0 AND x.time <= q.t1 AND x.exposure_seq <= \(horizon)
            JOIN exposures e ON e.account_id = x.account_id AND e.seq = x.exposure_seq
            WHERE position(chr(30) || q.key || chr(30) IN chr(30) || e.keys || chr(30)) > 0
            ORDER BY q.n, q.k, x.time, x.exposure_seq
            """)
        for row in rows {
            let r = Cells(row)
            let n: Int = try r.get(0)
            guard out.indices.contains(n) else { continue }
            out[n].append(CandidateExposure(
                keyIndex: try r.get(1), seq: try r.get(2), exposureID: try r.get(3), kind: try r.get(4), time: try r.get(5),
                mediaBuyID: try r.get(6), packageID: try r.get(7), creativeID: try r.get(8)))
        }
        return out
    }

    /// The non-duplicate decisions recorded for the conversions'
    /// ConversionKeys, before the latest conversion of each key: what each
    /// duplicate check starts from.
    func originals(_ conversions: [PendingConversion]) async throws -> [ConversionKey: [Int64]] {
        var bound: [ConversionKey: Int64] = [:]
        for c in conversions { bound[c.conversionKey] = max(bound[c.conversionKey] ?? .min, c.seq) }
        guard !bound.isEmpty else { return [:] }
        let keys = Array(bound)
        let rows = try await db.rows("""
            SELECT q.account_id, q.event_type, q.event_id, a.event_seq
            FROM unnest(\(keys.map { $0.key.account })::text[], \(keys.map { $0.key.type })::text[], \(keys.map { $0.key.id })::text[],
                \(keys.map { $0.value })::int8[]) AS q(account_id, event_type, event_id, bound)
            JOIN attributions a ON a.account_id = q.account_id AND a.event_type = q.event_type AND a.event_id = q.event_id
                AND a.event_seq < q.bound AND a.status <> 'duplicate'
            ORDER BY a.event_seq
            """)
        var out: [ConversionKey: [Int64]] = [:]
        for row in rows {
            let r = Cells(row)
            out[ConversionKey(account: try r.get(0), type: try r.get(1), id: try r.get(2)), default: []].append(try r.get(3))
        }
        return out
    }
}
