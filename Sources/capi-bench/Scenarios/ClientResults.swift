import Foundation

/// The start instant, written once before the clients are released.
final class StartTime: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: UInt64 = 0
    var value: UInt64 {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// What the client threads measured, merged under a lock when each finishes.
final class ClientResults: @unchecked Sendable {
    struct Local: Sendable {
        var millis: [Double] = []
        var events = 0
        var lastEnd: UInt64 = 0
    }

    private let lock = NSLock()
    private var totals = Local()
    private var failure: BenchError?

    func add(_ local: Local) {
        lock.withLock {
            totals.millis += local.millis
            totals.events += local.events
            totals.lastEnd = max(totals.lastEnd, local.lastEnd)
        }
    }

    func fail(_ error: BenchError) { lock.withLock { if failure == nil { failure = error } } }

    func snapshot() -> (Local, BenchError?) { lock.withLock { (totals, failure) } }
}
