import CAPICore
import CAPIStore
import Dispatch

extension ValidatedRuns {
    /// `take` for SQLite's writer, which runs a transaction on a thread of
    /// its own and cannot await: blocks that thread, never a Swift task.
    func takeBlocking(_ index: Int) throws(StoreError) -> ValidatedEvents? {
        let ready = DispatchSemaphore(value: 0)
        whenReady(index) { ready.signal() }
        if let patience {
            let (seconds, attoseconds) = patience.components
            let timeout = DispatchTimeInterval.nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
            if ready.wait(timeout: .now() + timeout) == .timedOut {
                abandon()
                throw .batchAbandoned
            }
        } else {
            ready.wait()
        }
        return try accept(index)
    }

    /// Takes every run in order (`takeBlocking`), handing each to `body`.
    func takeEachBlocking(_ body: (ValidatedEvents) throws -> Void) throws {
        var index = 0
        while let run = try takeBlocking(index) {
            index += 1
            try body(run)
        }
    }
}
