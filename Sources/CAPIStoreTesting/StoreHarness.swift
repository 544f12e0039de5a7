import CAPIStore

/// A fresh, migrated store for one check, and a way to open the same data
/// again as a restarted process would.
public struct StoreHarness: Sendable {
    public let store: any ConversionStore
    /// Closes `store` and opens the same data again (for restart checks).
    public let reopen: @Sendable () async throws -> any ConversionStore

    public init(store: any ConversionStore, reopen: @escaping @Sendable () async throws -> any ConversionStore) {
        self.store = store
        self.reopen = reopen
    }
}
