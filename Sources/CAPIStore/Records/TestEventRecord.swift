import CAPICore

/// One line of the test-event log.
public struct TestEventRecord: Sendable, Equatable {
    public var eventID: String
    public var eventType: String?
    public var testEventCode: String
    public var receivedAt: Int64
    /// `accepted` or `failed`.
    public var outcome: String
    public var error: AdCPError?
    /// The event as sent.
    public var payload: [UInt8]

    public init(
        eventID: String, eventType: String?, testEventCode: String, receivedAt: Int64, outcome: String, error: AdCPError?,
        payload: [UInt8]
    ) {
        self.eventID = eventID
        self.eventType = eventType
        self.testEventCode = testEventCode
        self.receivedAt = receivedAt
        self.outcome = outcome
        self.error = error
        self.payload = payload
    }
}
