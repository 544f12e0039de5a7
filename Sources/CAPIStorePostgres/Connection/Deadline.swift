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

    /// Runs `body`, answered with `PostgresUnavailable` if it has not
    /// finished by `limit`, and then cancelled without being waited for: a
    /// probe must come back even if a wait inside the pool does not heed
    /// the cancellation. Only for a body that may outlive the call.
    static func run<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.waiter(continuation)
            let work = Task {
                do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: limit)
                outcome.finish(.failure(PostgresUnavailable()))
                work.cancel()
            }
        }
    }

    /// The first of the work's result and the deadline, handed over once.
    private final class Outcome<T: Sendable>: Sendable {
        private let state = Mutex<(waiter: CheckedContinuation<T, any Error>?, done: Bool)>((nil, false))

        func waiter(_ continuation: CheckedContinuation<T, any Error>) {
            state.withLock { $0.waiter = continuation }
        }

        func finish(_ result: Result<T, any Error>) {
            let waiter = state.withLock { s -> CheckedContinuation<T, any Error>? in
                guard !s.done else { return nil }
                s.done = true
                return s.waiter
            }
            waiter?.resume(with: result)
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
