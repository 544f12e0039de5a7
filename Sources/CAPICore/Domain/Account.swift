/// An advertiser account. Everything it owns is keyed by `accountID` first.
public struct Account: Sendable, Equatable, Codable {
    public var accountID: String
    public var name: String?
    /// Milliseconds since the epoch.
    public var createdAt: Int64

    public init(accountID: String, name: String?, createdAt: Int64) {
        self.accountID = accountID
        self.name = name
        self.createdAt = createdAt
    }
}

/// A stored API key: only its SHA-256 hash, never the key itself.
public struct APIKeyRecord: Sendable, Equatable {
    public enum Role: String, Sendable, Codable {
        /// The advertiser: event sources, conversions, its own reports.
        case account
        /// The ad platform's ad server: media buys and exposures.
        case platform
    }

    public var keyHash: String
    /// The first characters of the key, shown in listings and safe to log.
    public var prefix: String
    /// The account an account key acts for; for a platform key, the one
    /// account it is limited to, or nil for all.
    public var accountID: String?
    public var role: Role
    public var createdAt: Int64
    public var lastUsedAt: Int64?
    public var revokedAt: Int64?

    public init(
        keyHash: String, prefix: String, accountID: String?, role: Role,
        createdAt: Int64, lastUsedAt: Int64? = nil, revokedAt: Int64? = nil
    ) {
        self.keyHash = keyHash
        self.prefix = prefix
        self.accountID = accountID
        self.role = role
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}
