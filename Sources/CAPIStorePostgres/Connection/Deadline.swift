import Synchronization

/// A bound on the wait for a connection, never on the work done with it:
/// a statement already sent is not cut short (its outcome would be unknown).
enum Deadline {
    /// Runs `body`, which calls `leased` once it holds a connection. If it
    /// has not by `limit`, the wait is cancelled and `PostgresUnavailable`
    /// thrown: the database is down, restarting, or every connection busy.
    static func lease<T: Sendable>(
        within limit: Duration, _ body: (_ leased: @escaping @Sendable () -> Void) async throws -> T
    ) async throws -> T {
        let flag = LeaseFlag()
        return try await withoutActuallyEscaping(body) { body in
            // The group awaits its children before returning: `body` does not
            // outlive this call, whatever the box lets the compiler believe.
            let work = UncheckedSendableBox(body)
            return try await withThrowingTaskGroup(of: Finished<T>.self) { group in
                group.addTask { .value(try await work.value { flag.set() }) }
                group.addTask {
                    try? await Task.sleep(for: limit)
                    return .timer
                }
                while let finished = try await group.next() {
                    switch finished {
                    case .value(let value):
                        group.cancelAll()
                        return value
                    case .timer where !flag.isSet:
                        group.cancelAll()
                        throw PostgresUnavailable()
                    case .timer:
                        continue
                    }
                }
                throw CancellationError()
            }
        }
    }

    private enum Finished<T: Sendable>: Sendable {
        case value(T)
        case timer
    }

    private final class LeaseFlag: Sendable {
        private let leased = Atomic(false)
        func set() { leased.store(true, ordering: .releasing) }
        var isSet: Bool { leased.load(ordering: .acquiring) }
    }

    private struct UncheckedSendableBox<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
}

/// No connection to the database could be had in time; the doors answer
/// 503 with `Retry-After`.
public struct PostgresUnavailable: Error, Sendable, CustomStringConvertible {
    public var description: String { "no connection to PostgreSQL could be had in time" }
}
