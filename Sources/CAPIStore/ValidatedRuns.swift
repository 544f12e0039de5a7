import CAPICore
import Dispatch
import Synchronization

/// The validated events of one batch, in runs that the writer takes in
/// order as each becomes ready: the first run is being stored while later
/// ones are still being read on the other cores.
///
/// Every run must be delivered exactly once, whatever happens to the request
/// (the writer waits for it while it holds the database's write lock).
public final class ValidatedRuns: Sendable {
    public let count: Int
    private let slots: Mutex<[ValidatedEvents?]>
    private let ready: [DispatchSemaphore]
    private let joined = Mutex(ValidationReport())
    private let firstSyntaxError = Mutex<JSONSyntaxError?>(nil)

    public init(count: Int) {
        self.count = count
        slots = Mutex(Array(repeating: nil, count: count))
        ready = (0..<count).map { _ in DispatchSemaphore(value: 0) }
    }

    public func deliver(_ run: ValidatedEvents, at index: Int) {
        if let syntax = run.syntaxError { firstSyntaxError.withLock { $0 = $0 ?? syntax } }
        slots.withLock { $0[index] = run }
        ready[index].signal()
    }

    /// Waits for run `index`, hands it over once and adds its report to
    /// `report`. Blocks its thread: for the database writer's thread, never
    /// for a Swift task.
    ///
    /// Throws `StoreError.invalidJSON` for a run with broken JSON in it, so
    /// that the writer rolls back whatever of the batch it already wrote.
    public func take(_ index: Int) throws(StoreError) -> ValidatedEvents {
        ready[index].wait()
        let run = slots.withLock { slots in
            defer { slots[index] = nil }
            return slots[index] ?? ValidatedEvents()
        }
        if let syntax = run.syntaxError { throw .invalidJSON(syntax) }
        joined.withLock { $0.append(run.report) }
        return run
    }

    /// Broken JSON found in a run delivered so far (the first delivered, if
    /// several): lets a batch validated before the writer is taken be
    /// refused without writing.
    public var syntaxError: JSONSyntaxError? { firstSyntaxError.withLock { $0 } }

    /// The joined report of the runs taken so far (all of them once the
    /// store has written the batch).
    public var report: ValidationReport { joined.withLock { $0 } }
}
