import CAPICore

/// Delivery reports, read from hourly rollups that the exposure and
/// attribution writes keep in their own transactions.
public protocol ReportStore: Sendable {
    /// Delivery facts of an account's media buys in [from, to), at hour
    /// precision: each bound is rounded down to the start of its hour.
    /// Exposure and conversion tallies per package, creative and day.
    func deliveryFacts(accountID: String, mediaBuyIDs: [String], from: Int64?, to: Int64?) async throws -> DeliveryFacts
    /// Recomputes the rollups from raw rows (one account's, or all) and
    /// lists where the stored ones differ: a full scan, for operators and tests.
    func verifyRollups(accountID: String?) async throws -> RollupCheck
    /// Replaces every rollup with one recomputed from raw rows, in one transaction.
    func rebuildRollups() async throws
}
