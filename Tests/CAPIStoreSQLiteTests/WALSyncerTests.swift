@testable import CAPIStore
import Foundation
import GRDB
import Synchronization
import Testing

/// `WALSyncer` tells a caller its write is on disk only after a sync that
/// began after the call; callers that arrive during one sync share the next.
@Suite struct WALSyncerTests {
    /// A flush that can be held open, counting its calls.
    final class HeldFlush: Sendable {
        let calls = Atomic(0)
        let released = Atomic(0)
        let failing: Bool

        init(failing: Bool = false) { self.failing = failing }

        func flush() throws {
            let call = calls.add(1, ordering: .sequentiallyConsistent).newValue
            while released.load(ordering: .sequentiallyConsistent) < call { usleep(200) }
            if failing { throw WALSyncError(call: "fdatasync", path: "test", errno: EIO) }
        }

        func release() { released.add(1, ordering: .sequentiallyConsistent) }

        /// Waits until `count` flushes have begun.
        func waitForCalls(_ count: Int) async throws {
            while calls.load(ordering: .sequentiallyConsistent) < count { try await Task.sleep(for: .milliseconds(1)) }
        }
    }

    @Test func aSyncInFlightDoesNotCoverLaterCallers() async throws {
        let held = HeldFlush()
        let syncer = WALSyncer(flush: { try held.flush() })
        let first = Task { try await syncer.sync() }
        try await held.waitForCalls(1)
        // Arrives while sync 1 is under way: what it committed may have
        // reached the file after that sync began.
        let second = Task { try await syncer.sync() }
        try await Task.sleep(for: .milliseconds(20))
        held.release()
        #expect(try await first.value == 1)
        try await held.waitForCalls(2)
        #expect(syncer.finishedSyncs == 1, "the second caller is still waiting")
        held.release()
        #expect(try await second.value == 2)
        #expect(held.calls.load(ordering: .sequentiallyConsistent) == 2)
    }

    @Test func callersArrivingDuringOneSyncShareTheNext() async throws {
        let held = HeldFlush()
        let syncer = WALSyncer(flush: { try held.flush() })
        let first = Task { try await syncer.sync() }
        try await held.waitForCalls(1)
        let waiting = (0..<10).map { _ in Task { try await syncer.sync() } }
        try await Task.sleep(for: .milliseconds(20))
        held.release()
        held.release()
        #expect(try await first.value == 1)
        for task in waiting { #expect(try await task.value == 2) }
        #expect(held.calls.load(ordering: .sequentiallyConsistent) == 2, "ten callers, one sync")
    }

    @Test func aFailedSyncRefusesEveryLaterCaller() async throws {
        let held = HeldFlush(failing: true)
        held.release()
        let syncer = WALSyncer(flush: { try held.flush() })
        await #expect(throws: WALSyncError.self) { try await syncer.sync() }
        await #expect(throws: WALSyncError.self) { try await syncer.sync() }
        #expect(held.calls.load(ordering: .sequentiallyConsistent) == 1, "no sync vouches for pages a failed one may have dropped")
    }

    /// The real file: the WAL while a connection is open, the database file
    /// once the last connection closed and SQLite removed the WAL.
    @Test func syncsTheWALOrTheDatabaseFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capi-walsync-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("capi.sqlite").path
        let syncer = WALSyncer(databasePath: path)
        do {
            let pool = try DatabasePool(path: path)
            try await pool.write { db in try db.execute(sql: "CREATE TABLE t (x); INSERT INTO t VALUES (1)") }
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            #expect(try await syncer.sync() == 1)
            try pool.close()
        }
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(try await syncer.sync() == 2)
    }
}
