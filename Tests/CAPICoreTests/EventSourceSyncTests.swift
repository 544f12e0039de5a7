import CAPICore
import Testing

@Suite struct EventSourceSyncTests {
    func source(_ id: String, _ managedBy: EventSource.ManagedBy = .buyer, name: String? = nil) -> EventSource {
        EventSource(accountID: "a", eventSourceID: id, config: EventSourceConfig(name: name), managedBy: managedBy, createdAt: 1, updatedAt: 1)
    }

    func requested(_ id: String, name: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["event_source_id": .string(id)]
        if let name { o["name"] = .string(name) }
        return .object(o)
    }

    @Test func createsUpdatesKeepsAndDeletes() {
        let existing = [source("keep", name: "K"), source("old"), source("change", name: "A"), source("store", .seller)]
        let plan = EventSourceSync.plan(
            accountID: "a", existing: existing,
            requested: [requested("new"), requested("keep", name: "K"), requested("change", name: "B")],
            deleteMissing: true, now: 5)
        let actions = Dictionary(uniqueKeysWithValues: plan.entries.map { ($0.eventSourceID, $0.action) })
        #expect(actions == ["new": .created, "keep": .unchanged, "change": .updated, "old": .deleted, "store": .unchanged])
        #expect(plan.deletions == ["old"])
        #expect(plan.writes.map(\.eventSourceID).sorted() == ["change", "new"])
        #expect(plan.entries.prefix(3).map(\.eventSourceID) == ["new", "keep", "change"], "request order first")
    }

    @Test func withoutDeleteMissingNothingIsRemoved() {
        let plan = EventSourceSync.plan(accountID: "a", existing: [source("old")], requested: [requested("new")], deleteMissing: false, now: 5)
        #expect(plan.deletions.isEmpty)
        #expect(plan.entries.map(\.action) == [.created, .unchanged])
    }

    @Test func discoveryChangesNothingEvenWithDeleteMissing() {
        let plan = EventSourceSync.plan(accountID: "a", existing: [source("x"), source("y")], requested: nil, deleteMissing: true, now: 5)
        #expect(plan.writes.isEmpty && plan.deletions.isEmpty)
        #expect(plan.entries.map(\.action) == [.unchanged, .unchanged])
    }

    @Test func badSourcesFailAloneWithFields() {
        let plan = EventSourceSync.plan(
            accountID: "a", existing: [source("store", .seller)],
            requested: [
                .object(["event_source_id": .string("s1"), "event_types": .array([.string("buy")]), "value_currencies": .array([.string("usd")])]),
                requested("ok"), requested("ok"), requested("store", name: "mine now"),
                .object(["name": .string("no id")]),
            ],
            deleteMissing: true, now: 5)
        #expect(plan.entries.map(\.action) == [.failed, .created, .failed, .failed, .failed])
        #expect(plan.entries[0].errors.map(\.field) == ["event_sources[0].event_types[0]", "event_sources[0].value_currencies[0]"])
        #expect(plan.entries[2].errors.first?.field == "event_sources[2].event_source_id")
        #expect(plan.entries[3].errors.first?.code == "PERMISSION_DENIED", "seller-managed sources are not the buyer's to change")
        #expect(plan.entries[4].errors.first?.field == "event_sources[4].event_source_id")
        #expect(plan.writes.map(\.eventSourceID) == ["ok"])
        #expect(plan.deletions.isEmpty, "seller-managed sources are never deleted")
    }
}
