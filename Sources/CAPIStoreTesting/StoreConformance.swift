import CAPIStore

/// The conformance suite: every check a store must pass, grouped by concern.
public enum StoreConformance {
    public static var checks: [ConformanceCheck] {
        accountChecks + eventSourceChecks + ingestChecks + mediaBuyChecks + attributionChecks + rollupChecks
    }

    /// Runs one check over a fresh, migrated store, then requires the
    /// rollups of the store it ended with to agree with its raw rows. Every
    /// store's runner calls this. `reopen` closes the store and opens the same data.
    public static func run(
        _ check: ConformanceCheck, store: any ConversionStore,
        reopen: @escaping @Sendable () async throws -> any ConversionStore
    ) async throws {
        let latest = LatestStore(store)
        let harness = StoreHarness(store: store) {
            let reopened = try await reopen()
            await latest.set(reopened)
            return reopened
        }
        try await check.run(harness)
        try await requireRollupsAgree(await latest.get(), after: check.name)
    }

    static func requireRollupsAgree(
        _ store: any ConversionStore, after what: String, file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let verified = try await store.verifyRollups(accountID: nil)
        try require(
            verified.agrees, "rollups differ from raw rows after \(what): "
                + verified.differences.map(\.description).joined(separator: "; "), file: file, line: line)
    }
}

/// The store a check ended with: the one it was given, or the last reopened.
private actor LatestStore {
    private var store: any ConversionStore

    init(_ store: any ConversionStore) { self.store = store }

    func set(_ store: any ConversionStore) { self.store = store }

    func get() -> any ConversionStore { store }
}
