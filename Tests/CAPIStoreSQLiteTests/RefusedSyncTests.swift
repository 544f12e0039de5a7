@testable import CAPIStoreSQLite
import CAPICore
import CAPIStore
import Foundation
import Logging
import Synchronization
import Testing

/// A disk that refuses a sync of the WAL: the store says so once in its log,
/// refuses every later acknowledged write, and its `ping` (what `/readyz`
/// asks) fails from then on.
@Suite struct RefusedSyncTests {
    /// Collects the messages logged at error level.
    final class ErrorLines: Sendable {
        let lines = Mutex<[String]>([])
        var handler: LogHandler { Handler(sink: self) }

        struct Handler: LogHandler {
            let sink: ErrorLines
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                if event.level >= .error { sink.lines.withLock { $0.append("\(event.message)") } }
            }
        }
    }

    struct DiskRefused: Error {}

    @Test func aRefusedSyncIsLoggedOnceAndTurnsThePingToAFailure() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capi-refused-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let refusing = Atomic(false)
        let errors = ErrorLines()
        let logger = Logger(label: "capi-test") { _ in errors.handler }
        let store = try SQLiteStore(
            path: folder.appendingPathComponent("capi.sqlite").path, workload: .server, metrics: nil, logger: logger,
            walFlush: { if refusing.load(ordering: .sequentiallyConsistent) { throw DiskRefused() } })
        try await store.migrate()
        try await store.ping()
        try await store.createAccount(Account(accountID: "acme", name: nil, createdAt: 0))

        refusing.store(true, ordering: .sequentiallyConsistent)
        await #expect(throws: DiskRefused.self) { try await store.createAccount(Account(accountID: "b", name: nil, createdAt: 0)) }
        await #expect(throws: DiskRefused.self) { try await store.ping() }
        refusing.store(false, ordering: .sequentiallyConsistent)
        await #expect(throws: DiskRefused.self, "no later sync vouches for what the refused one dropped") {
            try await store.createAccount(Account(accountID: "c", name: nil, createdAt: 0))
        }
        await #expect(throws: DiskRefused.self) { try await store.ping() }
        #expect(errors.lines.withLock { $0 }.count == 1, "logged once, not per request")
    }
}
