import Synchronization

/// Whether clients are sending events right now: the attribution worker
/// gives way to them, since a client waits on every write and attribution
/// does not.
public final class IngestActivity: Sendable {
    private struct State {
        var inFlight = 0
        var lastEnded = ContinuousClock.now - .seconds(3_600)
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `body` as one ingest write.
    func during<T>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock { $0.inFlight += 1 }
        defer {
            state.withLock { s in
                s.inFlight -= 1
                s.lastEnded = ContinuousClock.now
            }
        }
        return try await body()
    }

    /// True while an ingest write is waiting for the writer, writing, or
    /// waiting for the disk.
    var isWriting: Bool { state.withLock { $0.inFlight > 0 } }

    /// True while a write is in progress or one ended less than `recently` ago.
    func isBusy(recently: Duration) -> Bool {
        state.withLock { s in s.inFlight > 0 || ContinuousClock.now - s.lastEnded < recently }
    }
}
