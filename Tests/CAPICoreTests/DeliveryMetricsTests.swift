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
        let adcp = AdCPDeliveryMetrics(m, breakdowns: true)
        #expect(adcp.conversion_value == 0)
        #expect(adcp.roas == 0)
        #expect(adcp.ext?.net_conversion_value == -15)
        #expect(adcp.ext?.refund_value == 20)

        m.add(tally("purchase", value: 30), currency: "USD")
        let after = AdCPDeliveryMetrics(m, breakdowns: true)
        #expect(after.conversion_value == 15)
        #expect(after.roas == 7.5)
        #expect(after.ext?.net_conversion_value == nil)
        #expect(after.ext?.refunds == 1)
    }

    /// A figure that rounds to -0 is written 0, as the JSON it replaced
    /// wrote it: a net value a hair below 0 is no negative figure.
    @Test func aHairBelowZeroIsWrittenZero() {
        var m = DeliveryMetrics()
        m.add(tally("purchase", value: 0.1), currency: "USD")
        m.add(tally("purchase", value: 0.2), currency: "USD")
        m.add(tally("refund", value: 0.30000000000000004 + 1e-12), currency: "USD")
        #expect(m.conversionValue < 0)
        let text = String(decoding: WireJSON.encode(AdCPDeliveryMetrics(m, breakdowns: false)), as: UTF8.self)
        #expect(text == #"{"clicks":0,"conversion_value":0,"conversions":2,"cost_per_acquisition":0,"ext":{"net_conversion_value":0,"refund_value":0.3,"refunds":1},"impressions":0,"spend":0}"#)
    }
}
