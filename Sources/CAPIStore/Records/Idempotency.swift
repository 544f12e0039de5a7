import CAPICore

/// The result of a write guarded by an idempotency key.
public enum StoreOutcome<Value: Sendable>: Sendable {
    /// Written now; `response` was recorded under the key, if one was given.
    case written(Value, response: [UInt8])
    /// The key was already used: here is what was recorded.
    case replay(IdempotencyRecord)
}

/// An idempotency key a write wants to claim, with its request's fingerprint.
public struct IdempotencyClaim: Sendable {
    public var operation: String
    public var key: String
    public var requestHash: String
    public var status: Int
    /// Milliseconds since the epoch, from the service's clock.
    public var at: Int64

    public init(operation: String, key: String, requestHash: String, status: Int = 200, at: Int64) {
        self.operation = operation
        self.key = key
        self.requestHash = requestHash
        self.status = status
        self.at = at
    }
}

public struct IdempotencyRecord: Sendable, Equatable {
    public var accountID: String
    public var operation: String
    public var key: String
    public var requestHash: String
    public var status: Int
    public var response: [UInt8]
    public var createdAt: Int64

    public init(
        accountID: String, operation: String, key: String, requestHash: String,
        status: Int, response: [UInt8], createdAt: Int64
    ) {
        self.accountID = accountID
        self.operation = operation
        self.key = key
        self.requestHash = requestHash
        self.status = status
        self.response = response
        self.createdAt = createdAt
    }
}
