import CAPICore
import CAPIStore

extension StoreConformance {
    static var attributionChecks: [ConformanceCheck] {
        [
            ConformanceCheck("attribution: the ground truth, late exposures, cross-source duplicates, rebuild, restart") { harness in
                try await AttributionGroundTruth.run(harness)
            },
            ConformanceCheck("attribution: passes of any size decide the same") { harness in
                let store = harness.store
                try await AttributionGroundTruth.load(store)
                var passes = 0
                while !(try await store.attributePending(maxConversions: 1, at: Fixtures.now)).isIdle { passes += 1 }
                try require(passes >= AttributionGroundTruth.conversions.count, "one conversion a pass")
                try await AttributionGroundTruth.expectFirstDecisions(store)
            },
        ]
    }
}

/// A small world whose attributions are known: each conversion tests one rule.
enum AttributionGroundTruth {
    /// (source, event id, user match, expected status, exposure, model, matched by) before late exposures arrive.
    static let conversions: [(source: String, id: String, user: String, expected: String)] = [
        ("web", "e1", Fixtures.click("ck1") + "," + Fixtures.email("a"), "attributed k1 click_through sc3clid"),
        ("web", "e2", Fixtures.email("a"), "attributed k1 click_through hashed_email"),
        ("web", "e3", Fixtures.email("b"), "attributed i2 view_through hashed_email"),
        ("web", "e4", Fixtures.email("c"), "unattributed"),
        ("web", "e5", Fixtures.email("d"), "unattributed"),
        ("app", "e3", Fixtures.email("b"), "duplicate web"),
    ]

    static func load(_ store: any ConversionStore) async throws {
        try await Fixtures.account(store)
        _ = try await store.upsertMediaBuy(Fixtures.mediaBuy("mb1"), at: Fixtures.now)
        _ = try await store.insertExposures([
            Fixtures.exposure("k1", .click, ago: 2 * Fixtures.hour, clickID: "ck1", email: "a"),
            Fixtures.exposure("i1", .impression, ago: Fixtures.hour, email: "a"),
            Fixtures.exposure("i2", .impression, ago: 3 * Fixtures.hour, cost: 0.01, email: "b"),
            Fixtures.exposure("i3", .impression, ago: 30 * Fixtures.day, email: "c"),
        ], receivedAt: Fixtures.now)
        for source in ["web", "app"] {
            let events = conversions.filter { $0.source == source }.map { Fixtures.purchase($0.id, user: $0.user) }
            _ = try await Fixtures.ingest(store, source: source, events)
        }
    }

    /// A conversion's explanation in one line, as `conversions` states it.
    static func outcome(_ store: any ConversionStore, _ source: String, _ id: String) async throws -> String {
        guard let e = try await store.attributionExplanation(accountID: "acme", eventSourceID: source, eventType: "purchase", eventID: id)
        else { return "missing" }
        switch e.status {
        case .attributed:
            return "attributed \(e.decision?.exposureID ?? "?") \(e.decision?.model.rawValue ?? "?") \(e.decision?.matchedBy ?? "?")"
        case .duplicate: return "duplicate \(e.duplicateOfSource ?? "?")"
        default: return e.status.rawValue
        }
    }

    static func expectFirstDecisions(_ store: any ConversionStore) async throws {
        for c in conversions {
            try requireEqual(try await outcome(store, c.source, c.id), c.expected, "\(c.source)/\(c.id)")
        }
    }

    static func run(_ harness: StoreHarness) async throws {
        let store = harness.store
        try await load(store)
        try requireEqual(try await outcome(store, "web", "e1"), "pending", "before any pass")
        try requireEqual(try await store.status().pendingConversions, conversions.count, "backlog")
        let first = try await store.attributePending(maxConversions: 100, at: Fixtures.now)
        try requireEqual(first.conversions, conversions.count, "examined")
        try await expectFirstDecisions(store)
        let explained = try await store.attributionExplanation(accountID: "acme", eventSourceID: "web", eventType: "purchase", eventID: "e3")
        try requireEqual(explained?.exposure?.exposureID, "i2", "the credited exposure")
        try requireEqual(explained?.exposure?.cost, 0.01, "with its cost")
        try requireEqual(explained?.window, .standard, "the window applied")

        // An exposure arriving late claims a conversion examined before it.
        _ = try await store.insertExposures(
            [Fixtures.exposure("i4", .impression, ago: 30 * Fixtures.minute, email: "d")], receivedAt: Fixtures.now)
        try requireEqual(try await store.status().pendingExposures, 1, "late exposure pending")
        let second = try await store.attributePending(maxConversions: 100, at: Fixtures.now)
        try requireEqual(second.reexamined, 1, "re-examined")
        try requireEqual(try await outcome(store, "web", "e5"), "attributed i4 view_through hashed_email", "late exposure")
        try requireEqual(try await store.counters(accountID: "acme", since: 0)["web"]?.attributed, 4, "attributed counter")

        // A rebuild decides exactly what the passes did.
        var before: [String] = []
        for c in conversions { before.append(try await outcome(store, c.source, c.id)) }
        try requireEqual(try await store.rebuildAttributions(from: nil, to: nil, at: Fixtures.now), conversions.count, "rebuilt")
        var after: [String] = []
        for c in conversions { after.append(try await outcome(store, c.source, c.id)) }
        try requireEqual(after, before, "rebuild equals incremental")
        try requireEqual(try await store.counters(accountID: "acme", since: 0)["web"]?.attributed, 4, "counter after rebuild")

        // A restarted process resumes from the stored cursors.
        _ = try await Fixtures.ingest(store, [Fixtures.purchase("e6", user: Fixtures.email("b"))])
        let reopened = try await harness.reopen()
        try requireEqual(try await reopened.status().pendingConversions, 1, "backlog after restart")
        let resumed = try await reopened.attributePending(maxConversions: 100, at: Fixtures.now)
        try requireEqual(resumed.conversions, 1, "only the new conversion")
        try requireEqual(try await outcome(reopened, "web", "e6"), "attributed i2 view_through hashed_email", "after restart")
        try requireEqual(try await outcome(reopened, "web", "e5"), "attributed i4 view_through hashed_email", "kept")

        let facts = try await reopened.deliveryFacts(accountID: "acme", mediaBuyIDs: ["mb1"], from: nil, to: nil)
        try requireEqual(facts.conversions.reduce(0) { $0 + $1.count }, 5, "attributed conversions in delivery facts")
        try requireEqual(facts.conversions.reduce(0) { $0 + $1.value }, 125, "their value")
        try requireEqual(try await reopened.census(accountID: "acme").attributions, conversions.count + 1, "decisions stored")
    }
}
