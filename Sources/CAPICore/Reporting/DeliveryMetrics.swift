/// Delivery and outcome figures for one slice of a media buy.
///
/// Refunds subtract their value and are not conversions; only values in the
/// buy's own currency count, so figures never mix currencies.
public struct DeliveryMetrics: Sendable, Equatable {
    public var impressions = 0
    public var clicks = 0
    public var spend = 0.0
    public var conversions = 0
    public var conversionValue = 0.0
    public var refunds = 0
    public var refundValue = 0.0
    public var byEventType: [String: Breakdown] = [:]
    public var byActionSource: [String: Breakdown] = [:]

    public struct Breakdown: Sendable, Equatable {
        public var count = 0
        public var value = 0.0
    }

    public init() {}

    public mutating func add(_ t: DeliveryFacts.ExposureTally) {
        impressions += t.impressions
        clicks += t.clicks
        spend += t.spend
    }

    public mutating func add(_ t: DeliveryFacts.ConversionTally, currency: String) {
        let value = t.currency == currency ? t.value : 0
        if t.eventType == EventType.refund.rawValue {
            refunds += t.count
            refundValue += value
            conversionValue -= value
            return
        }
        conversions += t.count
        conversionValue += value
        byEventType[t.eventType, default: Breakdown()].count += t.count
        byEventType[t.eventType, default: Breakdown()].value += value
        if let source = t.actionSource {
            byActionSource[source, default: Breakdown()].count += t.count
            byActionSource[source, default: Breakdown()].value += value
        }
    }

    /// Adds every tally of one media buy, counting values in `currency`.
    public mutating func add(_ facts: DeliveryFacts, mediaBuyID: String, currency: String) {
        for t in facts.exposures where t.mediaBuyID == mediaBuyID { add(t) }
        for t in facts.conversions where t.mediaBuyID == mediaBuyID { add(t, currency: currency) }
    }

    /// conversion_value ÷ spend; nil without spend.
    public var roas: Double? { spend > 0 && (conversionValue / spend).isFinite ? Self.round(conversionValue / spend) : nil }
    /// `conversion_value` as AdCP reports it, never below 0 (AdCP's bound):
    /// a slice whose refunds outweigh its conversions reads 0, and its net
    /// value goes to `ext.net_conversion_value`.
    public var adcpConversionValue: Double { max(0, Self.round(conversionValue)) }
    /// `roas` as AdCP reports it, never below 0, for the same reason.
    public var adcpROAS: Double? { roas.map { max(0, $0) } }
    /// spend ÷ conversions; nil without conversions.
    public var costPerAcquisition: Double? { conversions > 0 ? Self.round(spend / Double(conversions)) : nil }
    public var ctr: Double? { impressions > 0 ? Self.round(Double(clicks) / Double(impressions)) : nil }

    /// What was paid per unit of the pricing model, from delivery (0 when nothing was bought).
    public func effectiveRate(model: String) -> Double {
        switch model {
        case "cpc": clicks > 0 ? Self.round(spend / Double(clicks)) : 0
        case "cpa": conversions > 0 ? Self.round(spend / Double(conversions)) : 0
        default: impressions > 0 ? Self.round(spend / Double(impressions) * 1000) : 0
        }
    }

    /// Money and ratios to 6 decimals, so sums of many small costs read
    /// cleanly. A figure too large for that (a ratio over a near-zero
    /// spend) stays as it is, and one that is not finite reads 0: JSON has
    /// no infinity, and one such figure must not break a whole report.
    /// A figure that rounds to -0 reads 0.
    public static func round(_ x: Double) -> Double {
        guard x.isFinite else { return 0 }
        let scaled = x * 1_000_000
        let r = scaled.isFinite ? scaled.rounded() / 1_000_000 : x
        return r == 0 ? 0 : r
    }
}
