/// What a delivery report is computed from: tallies the store groups by
/// media buy, package, creative and UTC day.
public struct DeliveryFacts: Sendable, Equatable {
    public struct ExposureTally: Sendable, Equatable {
        public var mediaBuyID: String
        public var packageID: String
        public var creativeID: String
        /// Days since the Unix epoch (UTC).
        public var day: Int
        public var impressions: Int
        public var clicks: Int
        public var spend: Double

        public init(mediaBuyID: String, packageID: String, creativeID: String, day: Int, impressions: Int, clicks: Int, spend: Double) {
            self.mediaBuyID = mediaBuyID
            self.packageID = packageID
            self.creativeID = creativeID
            self.day = day
            self.impressions = impressions
            self.clicks = clicks
            self.spend = spend
        }
    }

    public struct ConversionTally: Sendable, Equatable {
        public var mediaBuyID: String
        public var packageID: String
        public var creativeID: String
        public var day: Int
        public var eventType: String
        public var actionSource: String?
        public var currency: String?
        public var count: Int
        public var value: Double

        public init(
            mediaBuyID: String, packageID: String, creativeID: String, day: Int, eventType: String,
            actionSource: String?, currency: String?, count: Int, value: Double
        ) {
            self.mediaBuyID = mediaBuyID
            self.packageID = packageID
            self.creativeID = creativeID
            self.day = day
            self.eventType = eventType
            self.actionSource = actionSource
            self.currency = currency
            self.count = count
            self.value = value
        }
    }

    public var exposures: [ExposureTally]
    public var conversions: [ConversionTally]

    public init(exposures: [ExposureTally] = [], conversions: [ConversionTally] = []) {
        self.exposures = exposures
        self.conversions = conversions
    }
}
