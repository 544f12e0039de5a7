import CAPICore

/// Who is calling: the account an API key belongs to and what it may do.
public struct Principal: Sendable, Equatable {
    /// Account keys (the advertiser) or platform keys (the ad server).
    public typealias Role = APIKeyRecord.Role

    /// The account an account key acts for. A platform key may be limited to
    /// one account; an empty string means it serves every account.
    public var accountID: String
    public var role: Role
    /// The key's public prefix, safe to log.
    public var keyPrefix: String

    public init(accountID: String, role: Role, keyPrefix: String) {
        self.accountID = accountID
        self.role = role
        self.keyPrefix = keyPrefix
    }

    /// The AdCP error for a door this key's role may not use, or nil.
    public func refusal(unless role: Role) -> CAPICore.AdCPError? {
        guard self.role != role else { return nil }
        return CAPICore.AdCPError(
            .permissionDenied,
            role == .account
                ? "This door takes an account key (the advertiser's); a platform key cannot use it"
                : "This door takes a platform key (the ad server's); create one with `capi keys create --platform`")
    }

    /// Whether a platform key may act on this account.
    public func mayServe(account: String) -> Bool {
        role == .platform ? (accountID.isEmpty || accountID == account) : accountID == account
    }
}
