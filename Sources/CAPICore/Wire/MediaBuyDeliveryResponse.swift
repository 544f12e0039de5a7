/// The AdCP get_media_buy_delivery success body. The metrics objects are
/// `DeliveryMetrics.adcp` and `DeliveryReport.adcpDelivery`.
public struct MediaBuyDeliveryResponse: Encodable, Sendable {
    public var reporting_period: ReportingPeriod
    public var currency: String
    public var aggregated_totals: [String: JSONValue]
    public var media_buy_deliveries: [JSONValue]
    /// Media buys asked for by id that are not the caller's.
    public var errors: [AdCPError]?
    public var context: JSONValue?

    public struct ReportingPeriod: Encodable, Sendable {
        public var start: String
        public var end: String
        public init(start: String, end: String) {
            self.start = start
            self.end = end
        }
    }

    public init(
        reporting_period: ReportingPeriod, currency: String, aggregated_totals: [String: JSONValue],
        media_buy_deliveries: [JSONValue], errors: [AdCPError]?, context: JSONValue?
    ) {
        self.reporting_period = reporting_period
        self.currency = currency
        self.aggregated_totals = aggregated_totals
        self.media_buy_deliveries = media_buy_deliveries
        self.errors = errors
        self.context = context
    }
}
