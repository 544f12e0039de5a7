import CAPICore
import CAPIStore
import Logging
import PostgresNIO
import Synchronization

/// The networked store: PostgreSQL through PostgresNIO's connection pool,
/// so several stateless capi nodes can share one database.
///
/// Every write is one transaction committed with `synchronous_commit` as
/// the server has it (on by default): a write returns once PostgreSQL has
/// made it durable, so a 200 sent after it survives a crash of either side.
/// Every table that grows is keyed account first (`PostgresSchema`).
public final class PostgresStore: ConversionStore {
    /// A pool per host of the URL, and the one in use.
    let pools: HostPools
    /// The pools' background work; cancelled by `close`.
    private let running: Task<Void, Never>
    /// How far attribution passes may read (`CommitHorizon`).
    let horizon = CommitHorizon()
    /// Which account a pass starts with, turning at each pass.
    let attributionTurn = Atomic<Int>(0)

    /// Queries log nothing: their binds hold identifiers and hashed keys.
    static let quiet = Logger(label: "capi.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Opens a pool to the configured server; nothing connects until the
    /// first query. `logger` hears the pool's own background events.
    public init(configuration: PostgresConfiguration, logger: Logger? = nil) {
        let pools = HostPools(configuration: configuration, logger: logger ?? Self.quiet)
        self.pools = pools
        running = Task { await pools.run() }
    }

    /// Reads `url` (and the `PG*` variables) and opens a pool to it.
    public convenience init(url: String, logger: Logger? = nil) throws {
        self.init(configuration: try PostgresConfiguration(url: url), logger: logger)
    }

    /// Rows of `query`, on a connection of the pool, outside any transaction.
    func read(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withConnection { try await $0.rows(query) }
    }

    /// Runs `body` in one transaction on one connection: committed when it
    /// returns, rolled back when it throws (the error is rethrown as it was).
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await inTransaction("BEGIN", body)
    }

    /// Runs `body` in a read-only transaction that sees one snapshot
    /// throughout, for reads that must agree with each other.
    func snapshot<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func inTransaction<T: Sendable>(
        _ begin: PostgresQuery, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.run(begin)
            let value: T
            do {
                value = try await body(connection)
            } catch {
                _ = try? await connection.run("ROLLBACK")
                throw error
            }
            try await connection.run("COMMIT")
            return value
        }
    }

    public func migrate() async throws {
        try await PostgresSchema.migrate(self)
    }

    /// Large runs: each is one round trip whatever its size, and the
    /// transaction waits for few of them. Passes run whole: concurrent
    /// writers take row locks, not the database.
    public var traits: StoreTraits { Self.traits }

    static let traits = StoreTraits(
        runs: RunSizes(leading: [500], steady: 1_000), attribution: .concurrentWriters, exposureWritesInFlight: 2)

    /// Succeeds when the server answers a query.
    public func ping() async throws {
        _ = try await read("SELECT 1")
    }

    /// Stops the pool; whatever was written is already committed.
    public func close() async throws {
        running.cancel()
        await running.value
    }
}

extension PostgresConnection {
    /// Every row of `query`: the whole answer is read, so a failing
    /// statement throws here, before the next is sent.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await self.query(query, logger: PostgresStore.quiet).collect()
    }

    /// Runs a statement whose rows, if any, are not needed.
    func run(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }

    /// The first column of the first row, if there is one.
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? {
        guard let cell = try await rows(query).first?.first else { return nil }
        return try cell.decode(T.self)
    }

    /// Takes the schema's writer lock (shared) and this transaction's id
    /// before any seq, so that an attribution pass can tell when every seq
    /// below a mark is settled (`CommitHorizon`). The first statement of
    /// every transaction that stores events or exposures.
    func orderWrites() async throws {
        try await run(PostgresQuery(unsafeSQL: """
            SELECT pg_advisory_xact_lock_shared(\(PostgresSchema.lockKey(PostgresSchema.writerLock))), pg_current_xact_id()
            """))
    }
}

/// A row's cells by position, decoded one at a time.
struct Cells {
    private let cells: [PostgresCell]

    init(_ row: PostgresRow) { cells = Array(row) }

    func get<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        try cells[index].decode(T.self)
    }

    /// A bytea column's bytes.
    func bytes(_ index: Int) throws -> [UInt8] {
        guard let buffer = try cells[index].decode(ByteBuffer?.self) else { return [] }
        return Array(buffer.readableBytesView)
    }
}
