import Logging
import PostgresNIO
import Synchronization

/// One connection pool per host of the URL, and the one in use.
///
/// With one host there is nothing to choose: the pool reconnects by itself
/// when the server comes back. With several (a primary and its standbys),
/// a request that finds its host gone or read-only asks for a new choice
/// (`hostLost`), and one probe at a time tries the hosts in the URL's order
/// for the first that answers and, with `target_session_attrs=read-write`,
/// is not in recovery. Requests meanwhile get errors the doors answer with
/// 503 and `Retry-After`; nothing waits on the probe.
final class HostPools: Sendable {
    let clients: [PostgresClient]
    private let endpoints: [PostgresConfiguration.Endpoint]
    private let needsWrites: Bool
    private let active = Atomic<Int>(0)
    private let probing = Mutex(false)
    private let logger: Logger

    init(configuration: PostgresConfiguration, logger: Logger) {
        endpoints = configuration.endpoints
        clients = configuration.endpoints.map {
            PostgresClient(configuration: configuration.client($0), backgroundLogger: logger)
        }
        needsWrites = configuration.targetSessionAttributes != .any
        self.logger = logger
    }

    /// The pool requests use now, and its index (for `hostLost`).
    var current: (index: Int, client: PostgresClient) {
        let index = active.load(ordering: .relaxed)
        return (index, clients[index])
    }

    /// Runs every pool until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for client in clients { group.addTask { await client.run() } }
        }
    }

    /// A request on pool `index` found its host unreachable or read-only:
    /// choose again, unless a probe is under way or it was already replaced.
    func hostLost(_ index: Int) {
        guard clients.count > 1, active.load(ordering: .relaxed) == index else { return }
        let start = probing.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard start else { return }
        Task { await self.probe(replacing: index) }
    }

    /// Tries the hosts in the URL's order, as libpq does, and makes the
    /// first suitable one current.
    private func probe(replacing index: Int) async {
        defer { probing.withLock { $0 = false } }
        for candidate in clients.indices {
            if await suits(candidate) {
                if candidate != index {
                    active.store(candidate, ordering: .relaxed)
                    logger.warning("database host changed", metadata: ["host": "\(describe(candidate))"])
                }
                return
            }
        }
    }

    private func describe(_ index: Int) -> String { "\(endpoints[index].host):\(endpoints[index].port)" }

    /// Whether host `index` answers within a few seconds and, if writes
    /// are needed, is not a standby in recovery.
    private func suits(_ index: Int) async -> Bool {
        let client = clients[index]
        let answer: Bool?
        do {
            answer = try await Deadline.run(within: .seconds(3)) {
                try await client.withConnection { connection in
                    try await connection.query("SELECT pg_is_in_recovery()", logger: PostgresStore.quiet).collect()
                        .first?.decode(Bool.self)
                }
            }
        } catch {
            logger.info("database host unreachable", metadata: ["host": "\(describe(index))", "error.type": "\(type(of: error))"])
            return false
        }
        guard let inRecovery = answer else { return false }
        if needsWrites && inRecovery {
            logger.info("database host in recovery", metadata: ["host": "\(describe(index))"])
            return false
        }
        return true
    }
}
