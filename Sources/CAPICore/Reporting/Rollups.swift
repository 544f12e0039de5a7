/// Delivery rollups: hourly tallies kept beside the raw rows, so a report
/// reads rows per hour instead of rows per impression.
public enum RollupHour {
    public static let milliseconds: Int64 = 3_600_000

    /// The hour holding `time` (hours since the epoch, rounded down): the
    /// hour a row is counted in, and where a report bound is moved to.
    public static func of(_ time: Int64) -> Int64 {
        let (q, r) = time.quotientAndRemainder(dividingBy: milliseconds)
        return r < 0 ? q - 1 : q
    }

    /// The UTC day (days since the epoch) an hour belongs to.
    public static func day(ofHour hour: Int64) -> Int {
        let (q, r) = hour.quotientAndRemainder(dividingBy: 24)
        return Int(r < 0 ? q - 1 : q)
    }
}

/// One row of the exposure rollup.
public struct ExposureRollupKey: Sendable, Hashable {
    public var account: String
    public var mediaBuyID: String
    public var packageID: String
    public var creativeID: String
    /// Hours since the epoch of the exposure's time.
    public var hour: Int64

    public init(account: String, mediaBuyID: String, packageID: String, creativeID: String, hour: Int64) {
        self.account = account
        self.mediaBuyID = mediaBuyID
        self.packageID = packageID
        self.creativeID = creativeID
        self.hour = hour
    }

    static func < (a: Self, b: Self) -> Bool {
        (a.account, a.mediaBuyID, a.packageID, a.creativeID, a.hour) < (b.account, b.mediaBuyID, b.packageID, b.creativeID, b.hour)
    }
}

/// What new exposures add to one exposure rollup row.
public struct ExposureRollupDelta: Sendable, Equatable {
    public var key: ExposureRollupKey
    public var impressions: Int
    public var clicks: Int
    public var spend: Double

    public init(key: ExposureRollupKey, impressions: Int, clicks: Int, spend: Double) {
        self.key = key
        self.impressions = impressions
        self.clicks = clicks
        self.spend = spend
    }

    /// New exposures summed per rollup row, ordered by key: one write per row.
    public static func tally(_ exposures: [Exposure]) -> [ExposureRollupDelta] {
        var rows: [ExposureRollupKey: ExposureRollupDelta] = [:]
        for e in exposures {
            let key = ExposureRollupKey(
                account: e.accountID, mediaBuyID: e.mediaBuyID, packageID: e.packageID, creativeID: e.creativeID,
                hour: RollupHour.of(e.time))
            rows[key, default: ExposureRollupDelta(key: key, impressions: 0, clicks: 0, spend: 0)].add(e)
        }
        return rows.values.sorted { $0.key < $1.key }
    }

    mutating func add(_ e: Exposure) {
        switch e.kind {
        case .impression: impressions += 1
        case .click: clicks += 1
        }
        spend += e.cost ?? 0
    }
}

/// One row of the conversion rollup: attributed conversions per exposure
/// placement, hour of event time, event type, action source and currency.
public struct ConversionRollupKey: Sendable, Hashable {
    public var account: String
    public var mediaBuyID: String
    public var packageID: String
    public var creativeID: String
    /// Hours since the epoch of the conversion's event time.
    public var hour: Int64
    public var eventType: String
    public var actionSource: String?
    public var currency: String?

    public init(
        account: String, mediaBuyID: String, packageID: String, creativeID: String, hour: Int64,
        eventType: String, actionSource: String?, currency: String?
    ) {
        self.account = account
        self.mediaBuyID = mediaBuyID
        self.packageID = packageID
        self.creativeID = creativeID
        self.hour = hour
        self.eventType = eventType
        self.actionSource = actionSource
        self.currency = currency
    }

    static func < (a: Self, b: Self) -> Bool {
        let (l, r) = ((a.account, a.mediaBuyID, a.packageID, a.creativeID, a.hour), (b.account, b.mediaBuyID, b.packageID, b.creativeID, b.hour))
        if l != r { return l < r }
        return (a.eventType, a.actionSource ?? "", a.currency ?? "") < (b.eventType, b.actionSource ?? "", b.currency ?? "")
    }
}

/// What one attributed conversion adds to its conversion rollup row.
public struct ConversionCredit: Sendable, Hashable {
    public var key: ConversionRollupKey
    /// The conversion's value (0 when it has none).
    public var value: Double

    public init(key: ConversionRollupKey, value: Double) {
        self.key = key
        self.value = value
    }

    /// The credit an attributed decision gives; nil for any other status.
    public static func of(_ record: AttributionRecord) -> ConversionCredit? {
        guard record.status == .attributed, let e = record.exposure else { return nil }
        let c = record.conversion
        return ConversionCredit(
            key: ConversionRollupKey(
                account: c.account, mediaBuyID: e.mediaBuyID, packageID: e.packageID, creativeID: e.creativeID,
                hour: RollupHour.of(c.time), eventType: c.type, actionSource: c.actionSource, currency: c.currency),
            value: c.value ?? 0)
    }
}

/// A change to one conversion rollup row: withdrawn decisions subtract,
/// new ones add.
public struct ConversionRollupDelta: Sendable, Equatable {
    public var key: ConversionRollupKey
    public var count: Int
    public var value: Double

    public init(key: ConversionRollupKey, count: Int, value: Double) {
        self.key = key
        self.count = count
        self.value = value
    }

    /// Sums signed credits per row; rows that net to nothing are dropped.
    static func net(_ changes: [(credit: ConversionCredit, sign: Int)]) -> [ConversionRollupDelta] {
        var rows: [ConversionRollupKey: ConversionRollupDelta] = [:]
        for (credit, sign) in changes {
            rows[credit.key, default: ConversionRollupDelta(key: credit.key, count: 0, value: 0)].count += sign
            rows[credit.key, default: ConversionRollupDelta(key: credit.key, count: 0, value: 0)].value += Double(sign) * credit.value
        }
        return rows.values.filter { $0.count != 0 || $0.value != 0 }.sorted { $0.key < $1.key }
    }
}
