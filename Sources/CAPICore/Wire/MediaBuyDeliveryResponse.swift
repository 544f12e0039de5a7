/// The AdCP get_media_buy_delivery success body.
public struct MediaBuyDeliveryResponse: Encodable, Sendable {
    public var reporting_period: ReportingPeriod
    public var currency: String
    public var aggregated_totals: AggregatedTotals
    public var media_buy_deliveries: [MediaBuyDelivery]
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

    /// The buys in the response's currency, summed: no ctr, breakdowns or ext.
    public struct AggregatedTotals: Encodable, Sendable {
        public var impressions: Int
        public var clicks: Int
        public var spend: Double
        public var conversions: Int
        public var conversion_value: Double
        public var roas: Double?
        public var cost_per_acquisition: Double?
        public var media_buy_count: Int

        public init(_ m: DeliveryMetrics, mediaBuyCount: Int) {
            impressions = m.impressions
            clicks = m.clicks
            spend = DeliveryMetrics.round(m.spend)
            conversions = m.conversions
            conversion_value = m.adcpConversionValue
            roas = m.adcpROAS
            cost_per_acquisition = m.costPerAcquisition
            media_buy_count = mediaBuyCount
        }
    }

    public init(
        reporting_period: ReportingPeriod, currency: String, aggregated_totals: AggregatedTotals,
        media_buy_deliveries: [MediaBuyDelivery], errors: [AdCPError]?, context: JSONValue?
    ) {
        self.reporting_period = reporting_period
        self.currency = currency
        self.aggregated_totals = aggregated_totals
        self.media_buy_deliveries = media_buy_deliveries
        self.errors = errors
        self.context = context
    }
}
