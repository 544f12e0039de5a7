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
        public var totals: [String: JSONValue]
        public var rows: [[String: JSONValue]]
        public init(media_buy_id: String, currency: String, totals: [String: JSONValue], rows: [[String: JSONValue]]) {
            self.media_buy_id = media_buy_id
            self.currency = currency
            self.totals = totals
            self.rows = rows
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
