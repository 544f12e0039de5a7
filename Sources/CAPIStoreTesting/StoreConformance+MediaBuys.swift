import CAPICore
import CAPIStore

extension StoreConformance {
    static var mediaBuyChecks: [ConformanceCheck] {
        [
            ConformanceCheck("media buys: addressed account first, ids owned by one account") { harness in
                let store = harness.store
                try await Fixtures.account(store)
                try await Fixtures.account(store, "globex")
                try require(try await store.upsertMediaBuy(Fixtures.mediaBuy("mb1"), at: Fixtures.now), "a new buy is created")
                var renamed = Fixtures.mediaBuy("mb1")
                renamed.name = "Spring"
                try require(!(try await store.upsertMediaBuy(renamed, at: Fixtures.now)), "an existing buy is replaced")
                try requireEqual(try await store.mediaBuy(accountID: "acme", id: "mb1")?.name, "Spring", "replaced")
                try requireEqual(try await store.mediaBuyOwner(id: "mb1"), "acme", "owner")
                try requireEqual(try await store.mediaBuy(accountID: "globex", id: "mb1"), nil, "another account's buy is not found")
                do {
                    _ = try await store.upsertMediaBuy(Fixtures.mediaBuy("mb1", account: "globex"), at: Fixtures.now)
                    throw ConformanceFailure(message: "a buy id of another account must conflict", file: #filePath, line: #line)
                } catch StoreError.conflict {
                }
                do {
                    _ = try await store.upsertMediaBuy(Fixtures.mediaBuy("mb9", account: "nobody"), at: Fixtures.now)
                    throw ConformanceFailure(message: "a buy of an unknown account must be refused", file: #filePath, line: #line)
                } catch StoreError.notFound {
                }
                _ = try await store.upsertMediaBuy(Fixtures.mediaBuy("mb0"), at: Fixtures.now)
                try requireEqual(try await store.mediaBuys(accountID: "acme").map(\.media_buy_id), ["mb0", "mb1"], "listing")
                try requireEqual(try await store.mediaBuys(accountID: "globex").count, 0, "another account's listing")
            },
            ConformanceCheck("exposures: deduplicated by account and exposure id; delivery facts per day") { harness in
                let store = harness.store
                try await Fixtures.account(store)
                try await Fixtures.account(store, "globex")
                _ = try await store.upsertMediaBuy(Fixtures.mediaBuy("mb1"), at: Fixtures.now)
                _ = try await store.upsertMediaBuy(Fixtures.mediaBuy("mb2", account: "globex"), at: Fixtures.now)
                let first = try await store.insertExposures([
                    Fixtures.exposure("i1", .impression, ago: Fixtures.hour, cost: 0.5),
                    Fixtures.exposure("i2", .impression, ago: Fixtures.hour, cost: 0.25),
                    Fixtures.exposure("i1", .impression, ago: Fixtures.hour, cost: 0.5),
                    Fixtures.exposure("k1", .click, ago: 2 * Fixtures.day, clickID: "ck1"),
                ], receivedAt: Fixtures.now)
                try requireEqual(first, 3, "new exposures")
                let second = try await store.insertExposures([
                    Fixtures.exposure("i2", .impression, ago: Fixtures.hour),
                    Fixtures.exposure("i1", .impression, buy: "mb2", account: "globex", ago: Fixtures.hour),
                ], receivedAt: Fixtures.now)
                try requireEqual(second, 1, "dedup across requests, per account")
                let stored = try await store.storedExposures(accountID: "acme", afterSeq: 0, limit: 10)
                try requireEqual(stored.map(\.exposure.exposureID), ["i1", "i2", "k1"], "stored, in order")
                try requireEqual(stored[2].exposure.clickID, "ck1", "click id kept")
                try requireEqual(stored[0].exposure.cost, 0.5, "cost kept")
                let facts = try await store.deliveryFacts(accountID: "acme", mediaBuyIDs: ["mb1"], from: nil, to: nil)
                let today = Int((Fixtures.now - Fixtures.hour) / Fixtures.day)
                try requireEqual(
                    facts.exposures.sorted { $0.day < $1.day },
                    [
                        .init(mediaBuyID: "mb1", packageID: "pkg", creativeID: "cr", day: today - 2, impressions: 0, clicks: 1, spend: 0),
                        .init(mediaBuyID: "mb1", packageID: "pkg", creativeID: "cr", day: today, impressions: 2, clicks: 0, spend: 0.75),
                    ], "exposure tallies per day")
                let ranged = try await store.deliveryFacts(
                    accountID: "acme", mediaBuyIDs: ["mb1"], from: Fixtures.now - Fixtures.day, to: Fixtures.now)
                try requireEqual(ranged.exposures.map(\.impressions), [2], "a date range")
                let foreign = try await store.deliveryFacts(accountID: "globex", mediaBuyIDs: ["mb1"], from: nil, to: nil)
                try requireEqual(foreign.exposures.count, 0, "facts are per account")
            },
        ]
    }
}
