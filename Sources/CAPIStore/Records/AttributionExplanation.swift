import CAPICore

/// Why a conversion is, or is not, credited to an exposure.
public struct AttributionExplanation: Sendable, Equatable {
    public var eventSourceID: String
    public var eventType: String
    public var eventID: String
    public var eventTime: Int64
    public var status: AttributionStatus
    public var duplicateOfSource: String?
    public var decision: AttributionDecision?
    public var exposure: Exposure?
    public var window: AttributionWindow?

    public init(
        eventSourceID: String, eventType: String, eventID: String, eventTime: Int64, status: AttributionStatus = .pending,
        duplicateOfSource: String? = nil, decision: AttributionDecision? = nil, exposure: Exposure? = nil,
        window: AttributionWindow? = nil
    ) {
        self.eventSourceID = eventSourceID
        self.eventType = eventType
        self.eventID = eventID
        self.eventTime = eventTime
        self.status = status
        self.duplicateOfSource = duplicateOfSource
        self.decision = decision
        self.exposure = exposure
        self.window = window
    }
}
