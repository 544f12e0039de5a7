import CAPICore

/// Media buys, the exposures the ad server reports for them, and the
/// delivery facts reports are made of.
public protocol MediaBuyStore: Sendable {
    /// Creates or replaces a media buy; false when its id belongs to another account.
    func upsertMediaBuy(_ buy: MediaBuy, at: Int64) async throws -> Bool
    /// The account a media buy id belongs to, if any (ids are global).
    func mediaBuyOwner(id: String) async throws -> String?
    func mediaBuy(accountID: String, id: String) async throws -> MediaBuy?
    func mediaBuys(accountID: String) async throws -> [MediaBuy]
    /// Delivery facts of an account's media buys in [from, to): exposure
    /// and conversion tallies per package, creative and day.
    func deliveryFacts(accountID: String, mediaBuyIDs: [String], from: Int64?, to: Int64?) async throws -> DeliveryFacts
    /// Stores exposures, deduplicated by (account, exposure_id); returns how many were new.
    func insertExposures(_ exposures: [Exposure], receivedAt: Int64) async throws -> Int
    /// An account's stored exposures in arrival order, after `afterSeq`.
    func storedExposures(accountID: String, afterSeq: Int64, limit: Int) async throws -> [StoredExposureRecord]
}
