import Foundation

/// Command-line flags. Hand-parsed: the bench depends on CAPICore only.
struct BenchOptions: Sendable {
    var batchEvents = 10_000
    var sustainedBatchEvents = 1_000
    var clients = 4
    var duration: Double = 10
    var repetitions = 7
    var sustainedRepetitions = 3
    var warmups = 2
    var duplicateShare = 0.0
    var scatteredIDs = false
    var seed: UInt64 = 6
    var conversions = 100_000
    var exposures = 1_000_000
    var attributionRepetitions = 3
    var reportImpressions = 0
    var preload = 0
    var reportRepetitions = 11
    /// Exposures fed before the measures (`--preload-exposures`).
    var preloadExposures = 0
    /// Measure 4 alone.
    var attributionOnly = false
    /// Conversions a second sent while measure 6's feed runs (0: none, worker off).
    var feedConversionsPerSecond = 1_000
    var reportsOnly = false
    var url: String?
    var key: String?
    var serverPID: Int32?
    var capiPath: String?
    var jsonPath: String?
    var doors: [IngestDoor] = [.rest, .mcp]
    var keepData = false
    /// A `postgres://` URL: every server the bench starts uses a fresh
    /// schema there instead of a fresh SQLite file.
    var database: String?
    /// Servers on the one database for (1)–(3); sustained clients take
    /// them in turn.
    var nodes = 1
    var quiet = false
    var stagesOnly = false

    static let usage = """
        capi-bench — measures capi's ingestion (build with -c release).

        By default it starts `capi serve` (the release binary next to this one) on a
        free loopback port with a fresh SQLite database, creates an account, a key
        and the `bench` event source, runs every measure and stops the server.

          --events N              events in the single large batch (default 10000)
          --sustained-events N    events per batch in the sustained run (default 1000)
          --clients N             concurrent clients in the sustained run (default 4)
          --duration S            seconds per sustained run (default 10)
          --repetitions N         timed large batches (default 7; median and p99 over these)
          --sustained-repetitions N  sustained runs (default 3)
          --warmups N             untimed large batches first (default 2)
          --duplicates F          share of each batch's events that repeat the previous batch, 0…1 (default 0)
          --scattered-ids         event ids spread over the key space like random ids (UUIDs),
                                  instead of increasing (default: increasing, as order numbers)
          --preload N             before measuring, store N events (REST, --clients clients ×
                                  --sustained-events batches, ids as the run's) so every measure
                                  runs on a store that already holds them (default 0)
          --preload-exposures N   before measuring, feed N impressions and N/50 clicks (measure
                                  6's feed, 100000 rows a request; UUID-like ids with
                                  --scattered-ids) into a buy of the bench account (default 0)
          --seed N                generator seed (default 6)
          --conversions N, --exposures N   attribution sizes (default 100000, 1000000)
          --attribution-repetitions N   timed `capi attribute` runs on copies of one loaded
                                  database (default 3; 0 skips measure 4)
          --report-impressions N  measure 6: a fresh server, one media buy (3 packages × 2
                                  creatives), N impressions (+ one click per 50) over 30 days
                                  through the exposure feed (NDJSON, 100000 rows a request;
                                  rows/s), then timed get_media_buy_delivery with daily
                                  breakdown (MCP) and GET /agentic/v1/reports/delivery
                                  (default 0: skipped)
          --report-repetitions N  timed calls of each report in measure 6 (default 11)
          --feed-conversions N    conversions a second sent (REST, 10 batches a second) while
                                  measure 6's feed runs; the attribution worker's worst lag
                                  and its catch-up time are reported (default 1000; 0: none,
                                  and the worker is off)
          --reports-only          run measure 6 alone (needs --report-impressions)
          --attribution-only      run measure 4 alone
          --doors rest,mcp        which doors to measure (default both)
          --url http://127.0.0.1:PORT --key KEY   use a running server instead (its `bench`
                                  event source must accept purchase, add_to_cart, lead)
          --server-pid PID        with --url: read that process's memory
          --database URL          a postgres:// URL: each server the bench starts stores into a
                                  fresh schema of that database (capi_bench_…, left there)
                                  instead of a fresh SQLite file; measure 4 is SQLite's alone
          --nodes N               start N servers on the --database for (1)–(3); (1) goes to
                                  the first, the sustained clients to each in turn (default 1)
          --capi PATH             the capi binary to start (default: next to capi-bench)
          --json PATH             also write a JSON summary
          --keep-data             keep the temporary database and server log
          --quiet                 print only the table
          --stages                time the in-process stages of reading one large batch
                                  (envelope, decode, rules; the worker's key reading) on one core,
                                  with no server: where the CPU of measure 1 goes
        """

    static func parse(_ arguments: [String]) throws(BenchError) -> BenchOptions {
        var o = BenchOptions()
        var i = 0
        func value(_ name: String) throws(BenchError) -> String {
            i += 1
            guard i < arguments.count else { throw BenchError("\(name) needs a value") }
            return arguments[i]
        }
        func int(_ name: String) throws(BenchError) -> Int {
            let text = try value(name)
            guard let v = Int(text), v > 0 else { throw BenchError("\(name) must be a positive whole number, got \(text)") }
            return v
        }
        func double(_ name: String) throws(BenchError) -> Double {
            let text = try value(name)
            guard let v = Double(text), v.isFinite, v >= 0 else { throw BenchError("\(name) must be a number ≥ 0, got \(text)") }
            return v
        }
        while i < arguments.count {
            let name = arguments[i]
            switch name {
            case "--stages": o.stagesOnly = true
            case "--scattered-ids": o.scatteredIDs = true
            case "--events": o.batchEvents = try int(name)
            case "--sustained-events": o.sustainedBatchEvents = try int(name)
            case "--clients": o.clients = try int(name)
            case "--duration": o.duration = try double(name)
            case "--repetitions": o.repetitions = try int(name)
            case "--sustained-repetitions": o.sustainedRepetitions = try int(name)
            case "--warmups":
                let text = try value(name)
                guard let v = Int(text), v >= 0 else { throw BenchError("--warmups must be 0 or more") }
                o.warmups = v
            case "--duplicates":
                o.duplicateShare = try double(name)
                guard o.duplicateShare <= 1 else { throw BenchError("--duplicates must be between 0 and 1") }
            case "--seed":
                let text = try value(name)
                guard let v = UInt64(text) else { throw BenchError("--seed must be a whole number") }
                o.seed = v
            case "--conversions": o.conversions = try int(name)
            case "--exposures": o.exposures = try int(name)
            case "--attribution-repetitions":
                let text = try value(name)
                guard let v = Int(text), v >= 0 else { throw BenchError("--attribution-repetitions must be 0 or more") }
                o.attributionRepetitions = v
            case "--report-impressions":
                let text = try value(name)
                guard let v = Int(text), v >= 0 else { throw BenchError("--report-impressions must be 0 or more") }
                o.reportImpressions = v
            case "--report-repetitions": o.reportRepetitions = try int(name)
            case "--feed-conversions":
                let text = try value(name)
                guard let v = Int(text), v >= 0 else { throw BenchError("--feed-conversions must be 0 or more") }
                o.feedConversionsPerSecond = v
            case "--preload": o.preload = try int(name)
            case "--preload-exposures": o.preloadExposures = try int(name)
            case "--reports-only": o.reportsOnly = true
            case "--attribution-only": o.attributionOnly = true
            case "--doors":
                var doors: [IngestDoor] = []
                for part in try value(name).split(separator: ",") {
                    guard let door = IngestDoor(rawValue: String(part)) else { throw BenchError("unknown door \(part); use rest, mcp") }
                    doors.append(door)
                }
                o.doors = doors
            case "--url": o.url = try value(name)
            case "--key": o.key = try value(name)
            case "--server-pid":
                let text = try value(name)
                guard let v = Int32(text) else { throw BenchError("--server-pid must be a process id") }
                o.serverPID = v
            case "--database": o.database = try value(name)
            case "--nodes": o.nodes = try int(name)
            case "--capi": o.capiPath = try value(name)
            case "--json": o.jsonPath = try value(name)
            case "--keep-data": o.keepData = true
            case "--quiet": o.quiet = true
            default: throw BenchError("unknown flag \(name)\n\n\(usage)")
            }
            i += 1
        }
        if (o.url == nil) != (o.key == nil) { throw BenchError("--url and --key go together") }
        if let database = o.database, !database.hasPrefix("postgres://"), !database.hasPrefix("postgresql://") {
            throw BenchError("--database takes a postgres:// URL (SQLite is the default)")
        }
        if o.nodes > 1, o.database == nil || o.url != nil {
            throw BenchError("--nodes needs --database (several servers share one PostgreSQL), not --url")
        }
        if o.reportsOnly, o.reportImpressions == 0 { throw BenchError("--reports-only needs --report-impressions N") }
        return o
    }

    /// The `capi` binary: `--capi`, else the one built next to this executable.
    func resolvedCAPIPath() throws(BenchError) -> String {
        if let capiPath { return capiPath }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let sibling = me.deletingLastPathComponent().appendingPathComponent("capi").path
        guard FileManager.default.isExecutableFile(atPath: sibling) else {
            throw BenchError("no capi binary at \(sibling); build it with `swift build -c release --product capi` or pass --capi")
        }
        return sibling
    }
}
