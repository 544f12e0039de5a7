import CAPICore

/// A validated log_event batch ready to store. Event ranges point into `body`.
public struct IngestBatch: Sendable {
    public var accountID: String
    public var eventSourceID: String
    public var receivedAt: Int64
    public var body: BatchBytes
    /// The batch's events, taken run by run as they are validated.
    public var runs: ValidatedRuns
    /// Set for a test batch: every event goes to the test log instead,
    /// refused ones too, with why.
    public var testEventCode: String?

    public init(
        accountID: String, eventSourceID: String, receivedAt: Int64, body: BatchBytes,
        runs: ValidatedRuns, testEventCode: String? = nil
    ) {
        self.accountID = accountID
        self.eventSourceID = eventSourceID
        self.receivedAt = receivedAt
        self.body = body
        self.runs = runs
        self.testEventCode = testEventCode
    }
}

public struct IngestCounts: Sendable, Equatable {
    /// Events newly stored.
    public var inserted: Int
    /// Events already stored before (or earlier in the same batch).
    public var duplicates: Int

    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}
