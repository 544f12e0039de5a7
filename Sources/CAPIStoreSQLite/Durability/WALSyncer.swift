import CAPICore
import CAPIStore
import CoreMetrics
import Dispatch
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Makes commits durable without the writer waiting for the disk.
///
/// The writer commits with `synchronous = NORMAL`: the transaction's frames
/// reach the WAL file (the kernel's cache) and the writer goes on to the next
/// transaction at once. A caller hears that its write succeeded only after an
/// `fdatasync` of the WAL that *began after* its commit returned, so a 200
/// still means the data is on disk. One sync covers every commit before it:
/// the batches committed while one is in flight share the next, and the
/// writer's inserts overlap the disk's work instead of queueing behind it.
///
/// Consistency after a crash is SQLite's (`NORMAL` in WAL mode never
/// corrupts: frames are checksummed and a checkpoint syncs the WAL before it
/// copies it); durability of what was acknowledged is this type's.
///
/// A failed sync is final: the kernel may have dropped the pages it could
/// not write, so no later sync can vouch for them. Every later caller gets
/// the error, and the store stops acknowledging writes until it is opened
/// again (PostgreSQL does the same, for the same reason).
final class WALSyncer: Sendable {
    private struct State {
        /// Syncs begun, and the last one finished.
        var begun = 0
        var finished = 0
        var running = false
        var waiters: [(needs: Int, continuation: CheckedContinuation<Int, any Error>)] = []
        var failure: (any Error)?
    }

    private let state = Mutex(State())
    private let flush: @Sendable () throws -> Void
    /// Records how long each sync took, when given.
    private let timer: CoreMetrics.Timer?
    private let queue = DispatchQueue(label: "capi.sqlite.wal-sync")
    /// Where the first refused sync is reported, once.
    private let logger: Logger?

    /// Syncs the WAL of the database at `databasePath`.
    convenience init(databasePath: String, timer: CoreMetrics.Timer? = nil, logger: Logger? = nil) {
        let file = WALFile(databasePath: databasePath)
        self.init(timer: timer, logger: logger, flush: { try file.sync() })
    }

    /// `flush` makes everything written before it began durable.
    init(timer: CoreMetrics.Timer? = nil, logger: Logger? = nil, flush: @escaping @Sendable () throws -> Void) {
        self.timer = timer
        self.logger = logger
        self.flush = flush
    }

    /// The refused sync that stopped the store acknowledging writes, if any.
    var failure: (any Error)? { state.withLock { $0.failure } }

    /// Syncs finished so far.
    var finishedSyncs: Int { state.withLock { $0.finished } }

    /// Returns once a sync that began after this call has finished: every
    /// commit that returned before the call is on disk. The result is that
    /// sync's number (1, 2, …).
    @discardableResult
    func sync() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let outcome: Result<Bool, any Error> = state.withLock { s in
                if let failure = s.failure { return .failure(failure) }
                s.waiters.append((s.begun + 1, continuation))
                defer { s.running = true }
                return .success(!s.running)
            }
            switch outcome {
            case .failure(let error): continuation.resume(throwing: error)
            case .success(true): queue.async { self.drain() }
            case .success(false): break
            }
        }
    }

    /// Syncs while anyone waits; on the queue's thread, never a Swift task's.
    private func drain() {
        while true {
            let number: Int? = state.withLock { s in
                guard !s.waiters.isEmpty else {
                    s.running = false
                    return nil
                }
                s.begun += 1
                return s.begun
            }
            guard let number else { return }
            let started = ContinuousClock.now
            let result = Result { try flush() }
            timer?.record(ContinuousClock.now - started)
            let (released, firstFailure) = state.withLock { s in
                s.finished = number
                var firstFailure: (any Error)?
                if case .failure(let error) = result, s.failure == nil {
                    s.failure = error
                    firstFailure = error
                }
                let failed = s.failure != nil
                var ready: [CheckedContinuation<Int, any Error>] = []
                s.waiters.removeAll { waiter in
                    guard waiter.needs <= number || failed else { return false }
                    ready.append(waiter.continuation)
                    return true
                }
                return (ready, firstFailure)
            }
            if let firstFailure {
                logger?.error(
                    "the disk refused a sync of the WAL; no write is acknowledged until capi restarts",
                    metadata: ["error": "\(firstFailure)"])
            }
            for continuation in released { continuation.resume(with: result.map { number }) }
        }
    }
}

/// The WAL file of a database, opened once and again only if SQLite
/// replaced it (it deletes the WAL when its last connection closes).
/// `fdatasync` on any descriptor of a file flushes all of its pages,
/// whichever descriptor wrote them.
private final class WALFile: Sendable {
    private struct Open {
        var descriptor: Int32 = -1
        var inode: UInt = 0
    }

    let walPath: String
    let databasePath: String
    private let opened = Mutex(Open())

    init(databasePath: String) {
        self.databasePath = databasePath
        self.walPath = databasePath + "-wal"
    }

    deinit {
        opened.withLock { if $0.descriptor >= 0 { close($0.descriptor) } }
    }

    func sync() throws {
        try opened.withLock { file in
            var status = stat()
            guard stat(walPath, &status) == 0 else {
                // No WAL: the last connection closed and checkpointed it;
                // the database file holds everything, so that is what to sync.
                guard errno == ENOENT else { throw WALSyncError(call: "stat", path: walPath, errno: errno) }
                return try Self.syncOnce(databasePath)
            }
            if file.descriptor < 0 || file.inode != UInt(status.st_ino) {
                if file.descriptor >= 0 { close(file.descriptor) }
                file.descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
                guard file.descriptor >= 0 else { throw WALSyncError(call: "open", path: walPath, errno: errno) }
                file.inode = UInt(status.st_ino)
            }
            guard Self.dataSync(file.descriptor) == 0 else { throw WALSyncError(call: "fdatasync", path: walPath, errno: errno) }
        }
    }

    private static func syncOnce(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw WALSyncError(call: "open", path: path, errno: errno) }
        defer { close(descriptor) }
        guard dataSync(descriptor) == 0 else { throw WALSyncError(call: "fdatasync", path: path, errno: errno) }
    }

    /// The file's data on disk: `fdatasync` where there is one (Linux, as
    /// SQLite itself uses there), `fsync` elsewhere.
    private static func dataSync(_ descriptor: Int32) -> Int32 {
        #if os(Linux)
        fdatasync(descriptor)
        #else
        fsync(descriptor)
        #endif
    }
}

/// A sync the disk refused.
struct WALSyncError: Error, CustomStringConvertible {
    let call: String
    let path: String
    let errno: Int32

    var description: String { "\(call) \(path): \(String(cString: strerror(errno)))" }
}
