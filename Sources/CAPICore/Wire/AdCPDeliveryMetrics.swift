/// AdCP delivery-metrics fields (core/delivery-metrics.json) for one slice
/// of a media buy: totals, a package or a creative.
public struct AdCPDeliveryMetrics: Encodable, Sendable, Equatable {
    public var impressions: Int
    public var clicks: Int
    public var spend: Double
    public var conversions: Int
    /// Never below 0 (AdCP's bound); the net value goes to `ext`.
    public var conversion_value: Double
    public var roas: Double?
    public var cost_per_acquisition: Double?
    public var ctr: Double?
    public var by_event_type: [EventTypeBreakdown]?
    public var by_action_source: [ActionSourceBreakdown]?
    public var ext: Ext?

    public struct EventTypeBreakdown: Encodable, Sendable, Equatable {
        public var event_type: String
        public var count: Int
        public var value: Double
    }

    public struct ActionSourceBreakdown: Encodable, Sendable, Equatable {
        public var action_source: String
        public var count: Int
        public var value: Double
    }

    /// What AdCP has no field for: refunds, and a net value below 0.
    public struct Ext: Encodable, Sendable, Equatable {
        public var refunds: Int?
        public var refund_value: Double?
        public var net_conversion_value: Double?

        public init(refunds: Int? = nil, refund_value: Double? = nil, net_conversion_value: Double? = nil) {
            self.refunds = refunds
            self.refund_value = refund_value
            self.net_conversion_value = net_conversion_value
        }
    }

    public init(_ m: DeliveryMetrics, breakdowns: Bool) {
        impressions = m.impressions
        clicks = m.clicks
        spend = DeliveryMetrics.round(m.spend)
        conversions = m.conversions
        conversion_value = m.adcpConversionValue
        roas = m.adcpROAS
        cost_per_acquisition = m.costPerAcquisition
        ctr = m.ctr
        if breakdowns {
            by_event_type = m.byEventType.keys.sorted().map { k in
                let b = m.byEventType[k] ?? DeliveryMetrics.Breakdown()
                return EventTypeBreakdown(event_type: k, count: b.count, value: DeliveryMetrics.round(b.value))
            }
            by_action_source = m.byActionSource.keys.sorted().map { k in
                let b = m.byActionSource[k] ?? DeliveryMetrics.Breakdown()
                return ActionSourceBreakdown(action_source: k, count: b.count, value: DeliveryMetrics.round(b.value))
            }
        }
        if m.refunds > 0 {
            ext = Ext(
                refunds: m.refunds, refund_value: DeliveryMetrics.round(m.refundValue),
                net_conversion_value: m.conversionValue < 0 ? DeliveryMetrics.round(m.conversionValue) : nil)
        }
    }
}
