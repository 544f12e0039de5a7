/// A media buy the ad platform registered: its packages and creatives, and
/// each creative's landing page (the only place a click may redirect to).
public struct MediaBuy: Sendable, Equatable, Codable {
    public var media_buy_id: String
    public var account_id: String
    public var name: String?
    /// ISO 4217; spend and conversion value are reported in it, never mixed.
    public var currency: String
    public var start_time: String?
    public var end_time: String?
    public var packages: [Package]

    public struct Package: Sendable, Equatable, Codable {
        public var package_id: String
        public var name: String?
        /// AdCP pricing model (`cpm`, `cpc`, …); reports assume `cpm` when absent.
        public var pricing_model: String?
        /// The agreed unit rate; reports use the effective rate when absent.
        public var rate: Double?
        public var creatives: [Creative]

        public init(package_id: String, name: String? = nil, pricing_model: String? = nil, rate: Double? = nil, creatives: [Creative]) {
            self.package_id = package_id
            self.name = name
            self.pricing_model = pricing_model
            self.rate = rate
            self.creatives = creatives
        }
    }

    /// AdCP's pricing models (enums/pricing-model.json).
    public static let pricingModels: Set<String> = [
        "cpm", "vcpm", "cpc", "cpcv", "cpv", "cpp", "cpa", "revenue_share", "flat_rate", "time",
    ]

    public struct Creative: Sendable, Equatable, Codable {
        public var creative_id: String
        public var name: String?
        public var landing_url: String

        public init(creative_id: String, name: String? = nil, landing_url: String) {
            self.creative_id = creative_id
            self.name = name
            self.landing_url = landing_url
        }
    }

    public init(
        media_buy_id: String, account_id: String, name: String? = nil, currency: String,
        start_time: String? = nil, end_time: String? = nil, packages: [Package]
    ) {
        self.media_buy_id = media_buy_id
        self.account_id = account_id
        self.name = name
        self.currency = currency
        self.start_time = start_time
        self.end_time = end_time
        self.packages = packages
    }

    /// The creative at a package, if registered.
    public func creative(package: String, creative: String) -> Creative? {
        packages.first { $0.package_id == package }?.creatives.first { $0.creative_id == creative }
    }

    /// Every problem with a media buy as sent, with its field.
    public func problems() -> [AdCPError] {
        var errors: [AdCPError] = []
        func fail(_ field: String, _ message: String) { errors.append(AdCPError(.invalidRequest, message, field: field)) }
        if !IdentifierRule.path.allows(media_buy_id) { fail("media_buy_id", "media_buy_id must be \(IdentifierRule.path.requirement)") }
        if !IdentifierRule.path.allows(account_id) { fail("account_id", "account_id must be \(IdentifierRule.path.requirement)") }
        if !EventValidator.isCurrencyCode(currency) { fail("currency", "currency must be a 3-letter ISO 4217 code in capitals") }
        for (name, value) in [("start_time", start_time), ("end_time", end_time)] {
            if let value, RFC3339.parseMilliseconds(value) == nil { fail(name, "\(name) must be an RFC 3339 timestamp with an offset") }
        }
        if packages.isEmpty { fail("packages", "a media buy needs at least one package") }
        var packageIDs = Set<String>()
        for (i, p) in packages.enumerated() {
            if !IdentifierRule.path.allows(p.package_id) || !packageIDs.insert(p.package_id).inserted {
                fail("packages[\(i)].package_id", "package_id must be unique and \(IdentifierRule.path.requirement)")
            }
            if let model = p.pricing_model, !Self.pricingModels.contains(model) {
                fail("packages[\(i)].pricing_model", "pricing_model must be one of \(Self.pricingModels.sorted().joined(separator: ", "))")
            }
            if let rate = p.rate, !(0...AmountLimits.maxMoney).contains(rate) {
                fail("packages[\(i)].rate", "rate must be \(AmountLimits.moneyRange)")
            }
            var creativeIDs = Set<String>()
            for (j, c) in p.creatives.enumerated() {
                if !IdentifierRule.path.allows(c.creative_id) || !creativeIDs.insert(c.creative_id).inserted {
                    fail("packages[\(i)].creatives[\(j)].creative_id", "creative_id must be unique in its package and \(IdentifierRule.path.requirement)")
                }
                if WebURL.host(of: c.landing_url) == nil {
                    fail("packages[\(i)].creatives[\(j)].landing_url", "landing_url must be an absolute http(s) URL")
                }
            }
        }
        return errors
    }
}
