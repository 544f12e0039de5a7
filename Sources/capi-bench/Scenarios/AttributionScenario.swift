import CAPICore
import Foundation

/// (4): attribute 100,000 conversions against 1,000,000 exposures, wall time.
///
/// Runs on its own server and database (the events of (1)–(2) would
/// otherwise be pending conversions too):
/// 1. start `capi serve --attribution-interval 0` (background worker off),
///    create a platform key with the CLI, declare the `bench` source,
///    `PUT` the media buy;
/// 2. load the exposure feed (NDJSON, 100,000 rows a request) and then the
///    conversions (10,000-event log_event batches over REST), untimed;
/// 3. stop the server and copy the database aside;
/// 4. per repetition: restore the copy and time `capi attribute --database P`
///    (every pending pass, then exit) from process start to exit. Every copy
///    is flushed to the disk before the clock starts: otherwise the kernel
///    writes it back during the timed run, which then times the disk too;
/// 5. start the server again and read the source's `attributed` counter
///    (`GET /agentic/v1/event-sources/bench`, last 7 days) to confirm.
struct AttributionScenario {
    var capiPath: String
    var conversions: Int
    var exposures: Int
    var repetitions: Int
    var seed: UInt64
    var keepData: Bool

    struct Result: Sendable {
        var seconds: [Double]
        /// Conversions `capi attribute` examined (its "attributed N new conversions"), last repetition.
        var examinedByCLI: Int?
        /// The source's `attributed` counter read back over HTTP.
        var attributedCounter: Int?
        var expected: Int
        var loadSeconds: Double
    }

    func run(log: (String) -> Void) throws -> Result {
        let server = try CAPIServerProcess(capiPath: capiPath, log: log, serveArguments: ["--attribution-interval", "0"])
        defer { server.stop(keepData: keepData) }
        let target = BenchTarget(host: "127.0.0.1", port: server.port, key: server.key, serverPID: server.pid)
        try BenchRunner.syncEventSource(target)
        let platformKey = try server.createPlatformKey()
        let connection = HTTPConnection(host: target.host, port: target.port)
        defer { connection.close() }
        try CAPIServerProcess.putMediaBuy(id: AttributionData.mediaBuyID, body: AttributionData.mediaBuyBody, platformKey: platformKey, over: connection)

        let data = AttributionData(
            conversions: conversions, exposures: exposures, now: Date().epochMilliseconds, seed: seed)
        let loadStart = Date()
        log("(4) loading \(exposures) exposures (NDJSON, 100000 a request)…")
        var exposuresStored = 0
        for chunk in data.exposureChunks(chunk: 100_000) {
            let reply = try connection.send(
                HTTPRequest(path: "/agentic/v1/exposures", headers: [
                    ("Authorization", "Bearer \(platformKey)"), ("Content-Type", "application/x-ndjson"),
                ]),
                body: chunk)
            guard reply.status == 200, let n = ReplyScanner.integer(after: "exposures_processed", in: reply.body) else {
                throw BenchError("POST exposures: HTTP \(reply.status) \(reply.text.prefix(300))")
            }
            if ReplyScanner.contains(reply.body, "failures") { throw BenchError("exposure rows refused: \(reply.text.prefix(300))") }
            exposuresStored += n
        }
        log("(4) loading \(conversions) conversions (log_event, 10000 a batch)…")
        var conversionsStored = 0
        for batch in data.conversionBatches(batch: 10_000) {
            let outcome = try IngestDoor.rest.outcome(connection.send(IngestDoor.rest.request(key: target.key, session: nil), body: batch))
            conversionsStored += outcome.processed
        }
        let loadSeconds = Date().timeIntervalSince(loadStart)
        log(String(format: "(4) loaded %d exposures and %d conversions in %.1f s", exposuresStored, conversionsStored, loadSeconds))
        guard conversionsStored == conversions else { throw BenchError("only \(conversionsStored) of \(conversions) conversions accepted") }
        connection.close()

        server.halt()
        let fm = FileManager.default
        let snapshot = server.directory.appendingPathComponent("snapshot")
        try fm.createDirectory(at: snapshot, withIntermediateDirectories: true)
        let files = ["", "-wal", "-shm"].map { server.databasePath + $0 }.filter { fm.fileExists(atPath: $0) }
        for f in files {
            let copy = snapshot.appendingPathComponent((f as NSString).lastPathComponent).path
            try fm.copyItem(atPath: f, toPath: copy)
            try Self.flushToDisk(copy)
        }
        var seconds: [Double] = []
        var cliCount: Int?
        for r in 0..<repetitions {
            if r > 0 {
                for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: server.databasePath + suffix) }
                for f in files {
                    try fm.copyItem(atPath: snapshot.appendingPathComponent((f as NSString).lastPathComponent).path, toPath: f)
                    try Self.flushToDisk(f)
                }
            }
            let start = DispatchTime.now().uptimeNanoseconds
            let output = try CAPIServerProcess.runCLI(capiPath, ["attribute", "--database", server.databasePath])
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            seconds.append(s)
            cliCount = Self.firstNumber(after: "attributed ", in: output)
            log(String(format: "  run %d: %.2f s — %@", r + 1, s, output))
        }
        try? fm.removeItem(at: snapshot)

        try server.relaunch()
        let check = HTTPConnection(host: target.host, port: target.port)
        defer { check.close() }
        let detail = try check.send(
            HTTPRequest(method: "GET", path: "/agentic/v1/event-sources/bench", headers: [("Authorization", "Bearer \(target.key)")]),
            body: [])
        let counter = detail.status == 200 ? ReplyScanner.integer(after: "attributed", following: "last_7d", in: detail.body) : nil
        log("(4) attributed counter (last_7d): \(counter.map(String.init) ?? "unreadable: HTTP \(detail.status)"), expected \(data.expectedAttributed)")
        return Result(
            seconds: seconds, examinedByCLI: cliCount, attributedCounter: counter, expected: data.expectedAttributed,
            loadSeconds: loadSeconds)
    }

    /// Writes the file's data to the disk now (`FileHandle.synchronize`, an fsync).
    static func flushToDisk(_ path: String) throws {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw BenchError("cannot open \(path) to flush it") }
        defer { try? handle.close() }
        try handle.synchronize()
    }

    /// `capi attribute` prints "attributed N new conversions, …": N counts
    /// conversions examined, not conversions credited.
    static func firstNumber(after prefix: String, in text: String) -> Int? {
        guard let r = text.range(of: prefix) else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }
}
