/// `GET /agentic/v1/reports/delivery` as JSON: rows grouped by the chosen
/// dimensions, per media buy. `csv` is the same report as CSV text when
/// that format was asked for; it is never part of the JSON.
public struct DeliveryRowsResponse: Encodable, Sendable {
    public var group_by: [String]
    public var from: String?
    public var to: String?
    public var reports: [Report]
    public var csv: String?

    public struct Report: Encodable, Sendable {
        public var media_buy_id: String
        public var currency: String
        public var totals: AdCPDeliveryMetrics
        public var rows: [Row]
        public init(media_buy_id: String, currency: String, totals: AdCPDeliveryMetrics, rows: [Row]) {
            self.media_buy_id = media_buy_id
            self.currency = currency
            self.totals = totals
            self.rows = rows
        }
    }

    /// One group: its dimensions, then its figures. Grouped by event type,
    /// a row has no spend, nor any figure made from it.
    public struct Row: Encodable, Sendable {
        public var date: String?
        public var package_id: String?
        public var creative_id: String?
        public var event_type: String?
        public var impressions: Int?
        public var clicks: Int?
        public var spend: Double?
        public var conversions: Int
        public var conversion_value: Double
        public var refunds: Int
        public var roas: Double?
        public var cost_per_acquisition: Double?
        public var ctr: Double?

        public init(_ row: DeliveryReport.Row, spendApplies: Bool) {
            let m = row.metrics
            date = row.day.map(DeliveryReport.date)
            package_id = row.packageID
            creative_id = row.creativeID
            event_type = row.eventType
            conversions = m.conversions
            conversion_value = m.adcpConversionValue
            refunds = m.refunds
            guard spendApplies else { return }
            impressions = m.impressions
            clicks = m.clicks
            spend = DeliveryMetrics.round(m.spend)
            roas = m.adcpROAS
            cost_per_acquisition = m.costPerAcquisition
            ctr = m.ctr
        }
    }

    enum CodingKeys: String, CodingKey { case group_by, from, to, reports }

    public init(group_by: [String], from: String?, to: String?, reports: [Report], csv: String? = nil) {
        self.group_by = group_by
        self.from = from
        self.to = to
        self.reports = reports
        self.csv = csv
    }

    /// `from` and `to` are always present, null when not given.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(group_by, forKey: .group_by)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(reports, forKey: .reports)
    }
}
