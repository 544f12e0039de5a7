import CAPICore
import CAPIStore

extension StoreConformance {
    static var rollupChecks: [ConformanceCheck] {
        [
            ConformanceCheck("rollups: a re-examination moves a conversion between buys; rebuilds agree; hour precision") { harness in
                try await RollupScenario.run(harness.store)
            },
        ]
    }
}

/// A conversion credited to one buy, then claimed by a later exposure of
/// another: the rollups move it, and every rebuild leaves the same figures.
enum RollupScenario {
    static let today = Int(Fixtures.now / Fixtures.day)

    static func exposures(_ buy: String, impressions: Int, spend: Double) -> [DeliveryFacts.ExposureTally] {
        [.init(mediaBuyID: buy, packageID: "pkg", creativeID: "cr", day: today, impressions: impressions, clicks: 0, spend: spend)]
    }

    static func conversions(_ buy: String, count: Int, value: Double) -> [DeliveryFacts.ConversionTally] {
        [.init(
            mediaBuyID: buy, packageID: "pkg", creativeID: "cr", day: today, eventType: "purchase",
            actionSource: "website", currency: "USD", count: count, value: value)]
    }

    static func facts(_ store: any ConversionStore, _ buy: String, from: Int64? = nil, to: Int64? = nil) async throws -> DeliveryFacts {
        try await store.deliveryFacts(accountID: "acme", mediaBuyIDs: [buy], from: from, to: to)
    }

    /// After the late exposure: the conversion belongs to mb2.
    static func expectMoved(_ store: any ConversionStore, _ when: String) async throws {
        try requireEqual(try await facts(store, "mb1"), DeliveryFacts(exposures: exposures("mb1", impressions: 1, spend: 0.5)), "mb1 \(when)")
        try requireEqual(
            try await facts(store, "mb2"),
            DeliveryFacts(exposures: exposures("mb2", impressions: 1, spend: 0.25), conversions: conversions("mb2", count: 1, value: 25)),
            "mb2 \(when)")
        let check = try await store.verifyRollups(accountID: "acme")
        try requireEqual(check, RollupCheck(exposureRows: 2, conversionRows: 1), "verified \(when)")
    }

    static func run(_ store: any ConversionStore) async throws {
        try await Fixtures.account(store)
        _ = try await store.upsertMediaBuy(Fixtures.mediaBuy("mb1"), at: Fixtures.now)
        _ = try await store.upsertMediaBuy(Fixtures.mediaBuy("mb2"), at: Fixtures.now)
        _ = try await store.insertExposures(
            [Fixtures.exposure("i1", .impression, ago: 3 * Fixtures.hour, cost: 0.5, email: "a")], receivedAt: Fixtures.now)
        _ = try await Fixtures.ingest(store, [Fixtures.purchase("e1", user: Fixtures.email("a"))])
        _ = try await store.attributePending(maxConversions: 100, at: Fixtures.now)
        try requireEqual(
            try await facts(store, "mb1"),
            DeliveryFacts(exposures: exposures("mb1", impressions: 1, spend: 0.5), conversions: conversions("mb1", count: 1, value: 25)),
            "mb1 first")
        try requireEqual(try await facts(store, "mb2"), DeliveryFacts(), "mb2 before its exposure")
        try await StoreConformance.requireRollupsAgree(store, after: "the first pass")

        // A later exposure of mb2 takes the conversion from mb1.
        _ = try await store.insertExposures(
            [Fixtures.exposure("i2", .impression, buy: "mb2", ago: 30 * Fixtures.minute, cost: 0.25, email: "a")], receivedAt: Fixtures.now)
        try requireEqual(try await store.attributePending(maxConversions: 100, at: Fixtures.now).reexamined, 1, "re-examined")
        try await expectMoved(store, "after the re-examination")
        // A pass that finds nothing new changes nothing.
        _ = try await store.attributePending(maxConversions: 100, at: Fixtures.now)
        try await expectMoved(store, "after an idle pass")

        try requireEqual(try await store.rebuildAttributions(from: nil, to: nil, at: Fixtures.now), 1, "rebuilt")
        try await expectMoved(store, "after rebuilding attributions")
        try await store.rebuildRollups()
        try await expectMoved(store, "after rebuilding rollups")

        // Hour precision: each bound moves to the start of its hour. i1 is at
        // 09:00, i2 at 11:30, the conversion at 11:59.
        let from = try await facts(store, "mb2", from: Fixtures.now - 45 * Fixtures.minute)
        try requireEqual(from.exposures.map(\.impressions), [1], "from 11:15 counts the 11:00 hour")
        try requireEqual(from.conversions.map(\.count), [1], "with the conversion")
        let to = try await facts(store, "mb2", to: Fixtures.now - 10 * Fixtures.minute)
        try requireEqual(to, DeliveryFacts(), "to 11:50 stops at 11:00")
        let early = try await facts(store, "mb1", to: Fixtures.now - 10 * Fixtures.minute)
        try requireEqual(early.exposures.map(\.impressions), [1], "the 09:00 hour is before it")
    }
}
