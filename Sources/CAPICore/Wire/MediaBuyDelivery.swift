/// One media buy in AdCP's `media_buy_deliveries[]` form: its totals, and
/// each package with its creatives and, when asked, its days.
public struct MediaBuyDelivery: Encodable, Sendable {
    public var media_buy_id: String
    public var status: String
    public var totals: AdCPDeliveryMetrics
    public var by_package: [Package]

    public init(media_buy_id: String, status: String, totals: AdCPDeliveryMetrics, by_package: [Package]) {
        self.media_buy_id = media_buy_id
        self.status = status
        self.totals = totals
        self.by_package = by_package
    }

    /// A package's delivery metrics, beside its id, pricing and breakdowns.
    public struct Package: Encodable, Sendable {
        public var metrics: AdCPDeliveryMetrics
        public var package_id: String
        public var currency: String
        public var pricing_model: String
        public var rate: Double
        public var by_creative: [Creative]
        public var daily_breakdown: [Day]?

        enum CodingKeys: String, CodingKey { case package_id, currency, pricing_model, rate, by_creative, daily_breakdown }

        public init(
            metrics: AdCPDeliveryMetrics, package_id: String, currency: String, pricing_model: String, rate: Double,
            by_creative: [Creative], daily_breakdown: [Day]?
        ) {
            self.metrics = metrics
            self.package_id = package_id
            self.currency = currency
            self.pricing_model = pricing_model
            self.rate = rate == 0 ? 0 : rate  // a rate sent as -0 reads 0
            self.by_creative = by_creative
            self.daily_breakdown = daily_breakdown
        }

        /// The metrics' fields and the package's side by side, in one object.
        public func encode(to encoder: any Encoder) throws {
            try metrics.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(package_id, forKey: .package_id)
            try c.encode(currency, forKey: .currency)
            try c.encode(pricing_model, forKey: .pricing_model)
            try c.encode(rate, forKey: .rate)
            try c.encode(by_creative, forKey: .by_creative)
            try c.encodeIfPresent(daily_breakdown, forKey: .daily_breakdown)
        }
    }

    /// A creative's delivery metrics, beside its id.
    public struct Creative: Encodable, Sendable {
        public var metrics: AdCPDeliveryMetrics
        public var creative_id: String

        enum CodingKeys: String, CodingKey { case creative_id }

        public init(metrics: AdCPDeliveryMetrics, creative_id: String) {
            self.metrics = metrics
            self.creative_id = creative_id
        }

        public func encode(to encoder: any Encoder) throws {
            try metrics.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(creative_id, forKey: .creative_id)
        }
    }

    /// One UTC day of a package (`daily_breakdown[]`).
    public struct Day: Encodable, Sendable {
        public var date: String
        public var impressions: Int
        public var spend: Double
        public var conversions: Int
        public var conversion_value: Double
        public var roas: Double?
        /// Only `net_conversion_value`, when the day's net is below 0.
        public var ext: AdCPDeliveryMetrics.Ext?

        public init(date: String, _ m: DeliveryMetrics) {
            self.date = date
            impressions = m.impressions
            spend = DeliveryMetrics.round(m.spend)
            conversions = m.conversions
            conversion_value = m.adcpConversionValue
            roas = m.adcpROAS
            if m.conversionValue < 0 { ext = .init(net_conversion_value: DeliveryMetrics.round(m.conversionValue)) }
        }
    }
}
