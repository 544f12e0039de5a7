import CAPICore
import CAPIStore

extension StoreConformance {
    static var eventSourceChecks: [ConformanceCheck] {
        [
            ConformanceCheck("event sources: sync plans, writes, deletes and replays") { harness in
                let store = harness.store
                try await Fixtures.account(store, sources: ["web"])
                try await Fixtures.account(store, "globex", sources: ["web"])
                let requested: [JSONValue] = [
                    .object(["event_source_id": .string("app"), "name": .string("App")]),
                    .object(["event_source_id": .string("pos")]),
                ]
                let claim = IdempotencyClaim(operation: "sync_event_sources", key: "sync-key-0000001", requestHash: "h", at: Fixtures.now)
                let outcome = try await store.syncEventSources(
                    accountID: "acme", idempotency: claim,
                    plan: { existing in
                        EventSourceSync.plan(accountID: "acme", existing: existing, requested: requested, deleteMissing: true, now: Fixtures.now)
                    },
                    respond: { plan in Array("\(plan.writes.count)/\(plan.deletions.count)".utf8) })
                guard case .written(let plan, let response) = outcome else {
                    throw ConformanceFailure(message: "a first sync must write", file: #filePath, line: #line)
                }
                try requireEqual(plan.deletions, ["web"], "deleted sources")
                try requireEqual(response, Array("2/1".utf8), "recorded response")
                try requireEqual(try await store.eventSources(accountID: "acme").map(\.eventSourceID).sorted(), ["app", "pos"], "sources")
                try requireEqual(try await store.eventSource(accountID: "acme", id: "app")?.config.name, "App", "a source's config")
                try requireEqual(try await store.eventSources(accountID: "globex").map(\.eventSourceID), ["web"], "another account's sources")

                let again = try await store.syncEventSources(
                    accountID: "acme", idempotency: claim,
                    plan: { existing in EventSourceSync.plan(accountID: "acme", existing: existing, requested: [], deleteMissing: false, now: Fixtures.now) }, respond: { _ in Array("other".utf8) })
                guard case .replay(let record) = again else {
                    throw ConformanceFailure(message: "a used key must replay", file: #filePath, line: #line)
                }
                try requireEqual(record.response, Array("2/1".utf8), "replayed response")
                try requireEqual(record.requestHash, "h", "replayed fingerprint")
                let stored = try await store.idempotencyRecord(accountID: "acme", operation: "sync_event_sources", key: "sync-key-0000001")
                try requireEqual(stored?.response, Array("2/1".utf8), "idempotency record")
                try requireEqual(
                    try await store.idempotencyRecord(accountID: "globex", operation: "sync_event_sources", key: "sync-key-0000001"), nil,
                    "keys are per account")
            },
        ]
    }
}
