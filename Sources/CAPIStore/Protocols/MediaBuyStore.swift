import CAPICore

/// Media buys and the exposures the ad server reports for them.
public protocol MediaBuyStore: Sendable {
    /// Creates or replaces a media buy; false when its id belongs to another account.
    func upsertMediaBuy(_ buy: MediaBuy, at: Int64) async throws -> Bool
    /// The account a media buy id belongs to, if any (ids are global).
    func mediaBuyOwner(id: String) async throws -> String?
    func mediaBuy(accountID: String, id: String) async throws -> MediaBuy?
    func mediaBuys(accountID: String) async throws -> [MediaBuy]
    /// Stores exposures, deduplicated by (account, exposure_id), adding the
    /// new ones to the exposure rollups in the same transaction; returns how many were new.
    func insertExposures(_ exposures: [Exposure], receivedAt: Int64) async throws -> Int
    /// An account's stored exposures in arrival order, after `afterSeq`.
    func storedExposures(accountID: String, afterSeq: Int64, limit: Int) async throws -> [StoredExposureRecord]
}
