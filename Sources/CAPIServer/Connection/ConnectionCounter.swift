import Synchronization

/// Counts the server's open connections, so one past `maxConnections` can
/// be turned away.
final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)

    /// A connection opened; returns how many are open now, it included.
    func opened() -> Int { open.wrappingAdd(1, ordering: .relaxed).newValue }

    func closed() { open.wrappingSubtract(1, ordering: .relaxed) }

    var current: Int { open.load(ordering: .relaxed) }
}
