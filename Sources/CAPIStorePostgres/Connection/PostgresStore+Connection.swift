import PostgresNIO

extension PostgresStore {
    /// How long a request waits for a connection before it is answered 503:
    /// the database is down or restarting, or every connection is busy.
    static let leaseTimeout: Duration = .seconds(5)

    /// Runs `body` on a connection of the current host's pool. A failure
    /// that says the host is gone or read-only makes the pools choose again
    /// (`HostPools.hostLost`); the error is rethrown as it was.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let (index, client) = pools.current
        do {
            return try await Deadline.lease(within: Self.leaseTimeout) { leased in
                try await client.withConnection { connection in
                    leased()
                    return try await body(connection)
                }
            }
        } catch {
            if Self.losesHost(error) { pools.hostLost(index) }
            throw error
        }
    }

    /// Whether `error` may mean the host is gone, restarting or no longer
    /// takes writes, rather than a statement's own failure: everything but
    /// a server's SQL error, and of those the shutdown (57P…), connection
    /// (08…) and read-only transaction (25006) states.
    static func losesHost(_ error: any Error) -> Bool {
        if error is PostgresDecodingError { return false }
        guard let error = error as? PSQLError else { return true }
        guard error.code == .server else { return true }
        let state = error.serverInfo?[.sqlState] ?? ""
        return state.hasPrefix("57P") || state.hasPrefix("08") || state == "25006"
    }
}
