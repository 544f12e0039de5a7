/// Who is calling: the account an API key belongs to and what it may do.
public struct Principal: Sendable, Equatable {
    public enum Role: String, Sendable, Codable {
        /// The advertiser: event sources, conversions, its own reports.
        case account
        /// The ad platform's ad server: media buys and exposures.
        case platform
    }

    public var accountID: String
    public var role: Role
    /// The key's public prefix, safe to log.
    public var keyPrefix: String

    public init(accountID: String, role: Role, keyPrefix: String) {
        self.accountID = accountID
        self.role = role
        self.keyPrefix = keyPrefix
    }
}
