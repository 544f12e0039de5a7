import CAPICore
import Synchronization

/// The validated events of one batch, in runs that the store takes in
/// order as each becomes ready: the first run is being stored while later
/// ones are still being read on the other cores.
///
/// A batch received whole knows its number of runs from the start. A batch
/// stored while it arrives does not: its runs are delivered as their events
/// come in, and `finish` says how many there were once the body is complete
/// and its envelope checked, so the store cannot commit before that.
///
/// Every run below the count must be delivered exactly once, or the batch
/// abandoned, whatever happens to the request: the store waits for runs
/// inside its transaction. Taking is asynchronous (`take`); a store whose
/// writer is a thread of its own adapts `whenReady` and `accept` to it.
public final class ValidatedRuns: Sendable {
    private struct State {
        var slots: [ValidatedEvents?] = []
        var count: Int?
        var abandoned = false
        /// Who waits for which run, woken once when it is ready, the count
        /// passes it, or the batch is abandoned.
        var waiters: [Int: [@Sendable () -> Void]] = [:]

        func isSettled(_ index: Int) -> Bool {
            abandoned || (count.map { index >= $0 } ?? false) || (index < slots.count && slots[index] != nil)
        }

        /// Takes the waiters whose run is now settled.
        mutating func settledWaiters() -> [@Sendable () -> Void] {
            var woken: [@Sendable () -> Void] = []
            for index in waiters.keys where isSettled(index) {
                woken += waiters.removeValue(forKey: index) ?? []
            }
            return woken
        }
    }

    private let state: Mutex<State>
    /// How long the store waits for the next run of an open batch before it
    /// gives the batch up (a client that stopped sending half-way).
    public let patience: Duration?
    private let joined = Mutex(ValidationReport())
    private let firstSyntaxError = Mutex<JSONSyntaxError?>(nil)

    /// The runs of a batch received whole.
    public init(count: Int) {
        var s = State()
        s.count = count
        s.slots = Array(repeating: nil, count: count)
        state = Mutex(s)
        patience = nil
    }

    /// The runs of a batch still arriving: their number comes with `finish`.
    public init(arrivingWithin patience: Duration) {
        state = Mutex(State())
        self.patience = patience
    }

    public func deliver(_ run: ValidatedEvents, at index: Int) {
        if let syntax = run.syntaxError { firstSyntaxError.withLock { $0 = $0 ?? syntax } }
        let woken = state.withLock { s in
            while s.slots.count <= index { s.slots.append(nil) }
            s.slots[index] = run
            return s.waiters.removeValue(forKey: index) ?? []
        }
        for wake in woken { wake() }
    }

    /// Sets the number of runs of an arriving batch, all delivered or being so.
    public func finish(count: Int) {
        let woken = state.withLock { s in
            s.count = count
            return s.settledWaiters()
        }
        for wake in woken { wake() }
    }

    /// Gives the batch up: the store's next or current `take` throws
    /// `StoreError.batchAbandoned`, and it rolls back what it wrote.
    public func abandon() {
        let woken = state.withLock { s in
            s.abandoned = true
            return s.settledWaiters()
        }
        for wake in woken { wake() }
    }

    /// Calls `wake` once run `index` can be accepted without waiting: it
    /// was delivered, the batch has fewer runs, or it was abandoned. Calls
    /// it at once when that is already so.
    public func whenReady(_ index: Int, _ wake: @escaping @Sendable () -> Void) {
        let now = state.withLock { s in
            if s.isSettled(index) { return true }
            s.waiters[index, default: []].append(wake)
            return false
        }
        if now { wake() }
    }

    /// Hands run `index` over once it is ready (`whenReady`) and adds its
    /// report to `report`; nil when the batch has no such run.
    ///
    /// Throws `StoreError.invalidJSON` for a run with broken JSON in it, so
    /// that the store rolls back whatever of the batch it already wrote, and
    /// `StoreError.batchAbandoned` for a batch given up.
    public func accept(_ index: Int) throws(StoreError) -> ValidatedEvents? {
        let taken: ValidatedEvents? = try state.withLock { s throws(StoreError) in
            if s.abandoned { throw .batchAbandoned }
            if index < s.slots.count, let run = s.slots[index] {
                s.slots[index] = nil
                return run
            }
            return nil
        }
        guard let run = taken else { return nil }
        if let syntax = run.syntaxError { throw .invalidJSON(syntax) }
        joined.withLock { $0.append(run.report) }
        return run
    }

    /// Waits for run `index` and hands it over (`accept`); nil once every
    /// run was taken. An arriving batch whose run does not come within
    /// `patience` is abandoned.
    public func take(_ index: Int) async throws(StoreError) -> ValidatedEvents? {
        var timer: Task<Void, Never>?
        defer { timer?.cancel() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Mutex(Optional(continuation))
            let resume: @Sendable () -> Void = { once.withLock { $0.take() }?.resume() }
            whenReady(index, resume)
            if let patience {
                timer = Task {
                    try? await Task.sleep(for: patience)
                    guard !Task.isCancelled else { return }
                    if once.withLock({ $0 != nil }) { self.abandon() }
                    resume()
                }
            }
        }
        return try accept(index)
    }

    /// Takes every run in order (`take`), handing each to `body`.
    public func takeEach(_ body: (ValidatedEvents) throws -> Void) async throws {
        var index = 0
        while let run = try await take(index) {
            index += 1
            try body(run)
        }
    }

    /// Broken JSON found in a run delivered so far (the first delivered, if
    /// several): lets a batch validated before the store is asked be
    /// refused without writing.
    public var syntaxError: JSONSyntaxError? { firstSyntaxError.withLock { $0 } }

    /// The joined report of the runs taken so far (all of them once the
    /// store has written the batch).
    public var report: ValidationReport { joined.withLock { $0 } }
}
