import CAPICore
import Dispatch
import Synchronization

/// The validated events of one batch, in runs that the writer takes in
/// order as each becomes ready: the first run is being stored while later
/// ones are still being read on the other cores.
///
/// A batch received whole knows its number of runs from the start. A batch
/// stored while it arrives does not: its runs are delivered as their events
/// come in, and `finish` says how many there were once the body is complete
/// and its envelope checked, so the writer cannot commit before that.
///
/// Every run below the count must be delivered exactly once, or the batch
/// abandoned, whatever happens to the request: the writer waits for runs
/// while it holds the database's write lock.
public final class ValidatedRuns: Sendable {
    private struct State {
        var slots: [ValidatedEvents?] = []
        var signals: [DispatchSemaphore] = []
        var count: Int?
        var abandoned = false

        /// The signal for run `index`, made on first use.
        mutating func signal(_ index: Int) -> DispatchSemaphore {
            while signals.count <= index { signals.append(DispatchSemaphore(value: 0)) }
            return signals[index]
        }
    }

    private let state: Mutex<State>
    /// How long the writer waits for the next run of an open batch before it
    /// gives the batch up (a client that stopped sending half-way).
    private let patience: DispatchTimeInterval?
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
        let (seconds, attoseconds) = patience.components
        self.patience = .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }

    public func deliver(_ run: ValidatedEvents, at index: Int) {
        if let syntax = run.syntaxError { firstSyntaxError.withLock { $0 = $0 ?? syntax } }
        let signal = state.withLock { s in
            while s.slots.count <= index { s.slots.append(nil) }
            s.slots[index] = run
            return s.signal(index)
        }
        signal.signal()
    }

    /// Sets the number of runs of an arriving batch, all delivered or being so.
    public func finish(count: Int) {
        let signal = state.withLock { s in
            s.count = count
            return s.signal(count)
        }
        signal.signal()
    }

    /// Gives the batch up: the writer's next or current `take` throws
    /// `StoreError.batchAbandoned`, and it rolls back what it wrote.
    public func abandon() {
        let signals = state.withLock { s in
            s.abandoned = true
            return s.signals
        }
        for signal in signals { signal.signal() }
    }

    /// Waits for run `index`, hands it over once and adds its report to
    /// `report`; nil once every run was taken. Blocks its thread: for the
    /// database writer's thread, never for a Swift task.
    ///
    /// Throws `StoreError.invalidJSON` for a run with broken JSON in it, so
    /// that the writer rolls back whatever of the batch it already wrote, and
    /// `StoreError.batchAbandoned` for a batch given up.
    public func take(_ index: Int) throws(StoreError) -> ValidatedEvents? {
        let signal: DispatchSemaphore? = try state.withLock { s throws(StoreError) in
            if s.abandoned { throw .batchAbandoned }
            if let count = s.count, index >= count { return nil }
            return s.signal(index)
        }
        guard let signal else { return nil }
        if let patience {
            if signal.wait(timeout: .now() + patience) == .timedOut { throw .batchAbandoned }
        } else {
            signal.wait()
        }
        let taken: ValidatedEvents? = try state.withLock { s throws(StoreError) in
            if s.abandoned { throw .batchAbandoned }
            if index < s.slots.count, let run = s.slots[index] {
                s.slots[index] = nil
                return run
            }
            return nil  // woken by `finish`: no run at `index`
        }
        guard let run = taken else { return nil }
        if let syntax = run.syntaxError { throw .invalidJSON(syntax) }
        joined.withLock { $0.append(run.report) }
        return run
    }

    /// Takes every run in order (`take`), handing each to `body`.
    public func takeEach(_ body: (ValidatedEvents) throws -> Void) throws {
        var index = 0
        while let run = try take(index) {
            index += 1
            try body(run)
        }
    }

    /// Broken JSON found in a run delivered so far (the first delivered, if
    /// several): lets a batch validated before the writer is taken be
    /// refused without writing.
    public var syntaxError: JSONSyntaxError? { firstSyntaxError.withLock { $0 } }

    /// The joined report of the runs taken so far (all of them once the
    /// store has written the batch).
    public var report: ValidationReport { joined.withLock { $0 } }
}
