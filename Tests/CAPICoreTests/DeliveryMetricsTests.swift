import CAPICore
import Testing

/// The AdCP shape of delivery figures keeps within AdCP's bounds.
@Suite struct DeliveryMetricsTests {
    func tally(_ type: String, value: Double) -> DeliveryFacts.ConversionTally {
        DeliveryFacts.ConversionTally(
            mediaBuyID: "mb", packageID: "p", creativeID: "c", day: 0, eventType: type,
            actionSource: nil, currency: "USD", count: 1, value: value)
    }

    /// A slice whose refunds outweigh its conversions reports 0 value and
    /// ROAS (AdCP allows no negative), and its net value in ext.
    @Test func refundsBeyondConversionsReadZeroWithTheNetInExt() {
        var m = DeliveryMetrics()
        m.add(DeliveryFacts.ExposureTally(mediaBuyID: "mb", packageID: "p", creativeID: "c", day: 0, impressions: 10, clicks: 1, spend: 2))
        m.add(tally("purchase", value: 5), currency: "USD")
        m.add(tally("refund", value: 20), currency: "USD")
        #expect(m.conversionValue == -15, "the net stays the report's figure")
        let adcp = m.adcp()
        #expect(adcp["conversion_value"] == .number(0))
        #expect(adcp["roas"] == .number(0))
        #expect(adcp["ext"]?["net_conversion_value"] == .number(-15))
        #expect(adcp["ext"]?["refund_value"] == .number(20))

        m.add(tally("purchase", value: 30), currency: "USD")
        #expect(m.adcp()["conversion_value"] == .number(15))
        #expect(m.adcp()["roas"] == .number(7.5))
        #expect(m.adcp()["ext"]?["net_conversion_value"] == nil)
    }
}
