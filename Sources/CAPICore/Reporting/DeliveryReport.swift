/// Turns delivery facts into the two report shapes: AdCP's nested
/// media-buy delivery, and flat rows grouped by chosen dimensions.
public enum DeliveryReport {
    public enum Dimension: String, Sendable, CaseIterable {
        case day, package, creative, eventType = "event_type"
    }

    /// One media buy in AdCP's `media_buy_deliveries[]` form.
    public static func adcpDelivery(
        buy: MediaBuy, facts: DeliveryFacts, status: String, dailyBreakdown: Bool
    ) -> MediaBuyDelivery {
        let exposures = facts.exposures.filter { $0.mediaBuyID == buy.media_buy_id }
        let conversions = facts.conversions.filter { $0.mediaBuyID == buy.media_buy_id }
        var totals = DeliveryMetrics()
        exposures.forEach { totals.add($0) }
        conversions.forEach { totals.add($0, currency: buy.currency) }
        var packages: [MediaBuyDelivery.Package] = []
        for package in buy.packages {
            var metrics = DeliveryMetrics()
            var creatives: [String: DeliveryMetrics] = [:]
            var days: [Int: DeliveryMetrics] = [:]
            for t in exposures where t.packageID == package.package_id {
                metrics.add(t)
                creatives[t.creativeID, default: DeliveryMetrics()].add(t)
                days[t.day, default: DeliveryMetrics()].add(t)
            }
            for t in conversions where t.packageID == package.package_id {
                metrics.add(t, currency: buy.currency)
                creatives[t.creativeID, default: DeliveryMetrics()].add(t, currency: buy.currency)
                days[t.day, default: DeliveryMetrics()].add(t, currency: buy.currency)
            }
            let model = package.pricing_model ?? "cpm"
            let ids = Set(package.creatives.map(\.creative_id)).union(creatives.keys).sorted()
            packages.append(MediaBuyDelivery.Package(
                metrics: AdCPDeliveryMetrics(metrics, breakdowns: true),
                package_id: package.package_id, currency: buy.currency, pricing_model: model,
                rate: package.rate ?? metrics.effectiveRate(model: model),
                by_creative: ids.map { id in
                    MediaBuyDelivery.Creative(metrics: AdCPDeliveryMetrics(creatives[id] ?? DeliveryMetrics(), breakdowns: true), creative_id: id)
                },
                daily_breakdown: dailyBreakdown
                    ? days.keys.sorted().map { MediaBuyDelivery.Day(date: date($0), days[$0] ?? DeliveryMetrics()) } : nil))
        }
        return MediaBuyDelivery(
            media_buy_id: buy.media_buy_id, status: status, totals: AdCPDeliveryMetrics(totals, breakdowns: true),
            by_package: packages)
    }

    /// A flat table: one row per group, ready for a spreadsheet. Grouped by
    /// event type, rows carry conversions only: spend cannot be split by it.
    public struct Row: Sendable, Equatable {
        public var mediaBuyID: String
        public var day: Int?
        public var packageID: String?
        public var creativeID: String?
        public var eventType: String?
        public var metrics: DeliveryMetrics
    }

    public static func rows(buy: MediaBuy, facts: DeliveryFacts, groupBy: [Dimension]) -> [Row] {
        struct Key: Hashable { var day: Int?; var package: String?; var creative: String?; var type: String? }
        let g = Set(groupBy)
        var rows: [Key: DeliveryMetrics] = [:]
        if !g.contains(.eventType) {
            for t in facts.exposures where t.mediaBuyID == buy.media_buy_id {
                let key = Key(day: g.contains(.day) ? t.day : nil, package: g.contains(.package) ? t.packageID : nil,
                              creative: g.contains(.creative) ? t.creativeID : nil, type: nil)
                rows[key, default: DeliveryMetrics()].add(t)
            }
        }
        for t in facts.conversions where t.mediaBuyID == buy.media_buy_id {
            let key = Key(day: g.contains(.day) ? t.day : nil, package: g.contains(.package) ? t.packageID : nil,
                          creative: g.contains(.creative) ? t.creativeID : nil, type: g.contains(.eventType) ? t.eventType : nil)
            rows[key, default: DeliveryMetrics()].add(t, currency: buy.currency)
        }
        return rows.map { Row(mediaBuyID: buy.media_buy_id, day: $0.key.day, packageID: $0.key.package,
                              creativeID: $0.key.creative, eventType: $0.key.type, metrics: $0.value) }
            .sorted { ($0.day ?? 0, $0.packageID ?? "", $0.creativeID ?? "", $0.eventType ?? "")
                < ($1.day ?? 0, $1.packageID ?? "", $1.creativeID ?? "", $1.eventType ?? "") }
    }

    public static let csvColumns = [
        "media_buy_id", "date", "package_id", "creative_id", "event_type", "currency", "impressions", "clicks",
        "spend", "conversions", "conversion_value", "refunds", "roas", "cost_per_acquisition",
    ]

    /// The columns of a row, as text; empty where a figure does not apply.
    public static func csvFields(_ r: Row, currency: String, spendApplies: Bool) -> [String] {
        let m = r.metrics
        func num(_ x: Double?) -> String { x.map(format) ?? "" }
        return [
            r.mediaBuyID, r.day.map(date) ?? "", r.packageID ?? "", r.creativeID ?? "", r.eventType ?? "", currency,
            spendApplies ? String(m.impressions) : "", spendApplies ? String(m.clicks) : "",
            spendApplies ? num(DeliveryMetrics.round(m.spend)) : "", String(m.conversions),
            num(DeliveryMetrics.round(m.conversionValue)), String(m.refunds),
            spendApplies ? num(m.roas) : "", spendApplies ? num(m.costPerAcquisition) : "",
        ]
    }

    public static func format(_ x: Double) -> String {
        if x.rounded() == x && abs(x) < 1e15 { return String(Int64(x)) }
        return String(x)
    }

    /// `YYYY-MM-DD` for a day number.
    public static func date(_ day: Int) -> String {
        String(RFC3339.format(milliseconds: Int64(day) * 86_400_000).prefix(10))
    }

    /// Milliseconds at the start of a `YYYY-MM-DD` day (UTC), or an RFC 3339 instant.
    public static func instant(_ text: String) -> Int64? {
        if text.count == 10 { return RFC3339.parseMilliseconds(text + "T00:00:00Z") }
        return RFC3339.parseMilliseconds(text)
    }
}
