import CAPICore
import Foundation

/// (6): the exposure feed into one buy, then delivery reports of that buy.
///
/// On its own server and database:
/// 1. start `capi serve` (with `conversionsPerSecond` 0, with
///    `--attribution-interval 0`: nothing arrives for the worker), sync event
///    source `bench`, create a platform key with the CLI, `PUT` the media buy
///    of `ReportData`;
/// 2. stream the feed through `POST /agentic/v1/exposures` (NDJSON, `chunk`
///    rows a request, one keep-alive connection). Each request is timed from
///    its first byte sent to its whole 200 read; the body is generated before
///    the clock starts. The feed's sustained rate is rows ÷ the sum of those
///    times (the client's generation is left out). Meanwhile conversions
///    arrive at `conversionsPerSecond` and the worker's lag is sampled
///    (`ConversionTrickle`); after the feed, the time until the worker has
///    examined every conversion is measured;
/// 3. over MCP (`initialize`, `notifications/initialized`, then `tools/call`
///    on `POST /mcp`, the account key), one untimed and `repetitions` timed
///    `get_media_buy_delivery` calls for the buy with
///    `include_package_daily_breakdown: true`;
/// 4. one untimed and `repetitions` timed
///    `GET /agentic/v1/reports/delivery?media_buy_id=…` (default grouping,
///    by package).
/// Each answer's impression total is checked against the feed's. The
/// server's resident set is sampled throughout (every 20 ms).
struct ReportScenario {
    var capiPath: String
    var impressions: Int
    var repetitions: Int
    var seed: UInt64
    var keepData: Bool
    var conversionsPerSecond: Int
    /// Exposure ids spread like UUIDs (`--scattered-ids`).
    var scatteredIDs = false
    /// A `postgres://` URL: the server stores into a fresh schema there.
    var postgres: String? = nil
    var chunk = 100_000

    struct Result: Sendable {
        /// Rows a second of each feed request.
        var feedRates: [Double]
        var feedRows: Int
        /// Sum of the feed's request times.
        var feedSeconds: Double
        /// Request body bytes of the whole feed.
        var feedBytes: Int
        /// Wall time of the load, generation included.
        var loadWallSeconds: Double
        var deliveryMillis: [Double]
        var reportMillis: [Double]
        var deliveryImpressions: Int?
        var reportImpressions: Int?
        var expectedImpressions: Int
        var deliveryBytes: Int
        var reportBytes: Int
        var peakRSSLoad: Int?
        var peakRSSReports: Int?
        var hwm: Int?
        /// Conversions sent during the feed and the worker's worst lag.
        var trickle: ConversionTrickle.Outcome?
        /// Seconds from the feed's end until no conversion waited.
        var drainSeconds: Double?

        var sustainedRate: Double { feedSeconds > 0 ? Double(feedRows) / feedSeconds : 0 }
    }

    func run(log: (String) -> Void) throws -> Result {
        let server = try CAPIServerProcess(
            capiPath: capiPath, log: log, serveArguments: conversionsPerSecond > 0 ? [] : ["--attribution-interval", "0"],
            postgres: postgres)
        defer { server.stop(keepData: keepData) }
        let target = BenchTarget(host: "127.0.0.1", port: server.port, key: server.key, serverPID: server.pid)
        try BenchRunner.syncEventSource(target)
        let platformKey = try server.createPlatformKey()
        var data = ReportData(impressions: impressions, now: Date().epochMilliseconds, seed: seed)
        data.scatteredIDs = scatteredIDs
        let connection = HTTPConnection(host: target.host, port: target.port)
        defer { connection.close() }
        try CAPIServerProcess.putMediaBuy(id: ReportData.mediaBuyID, body: data.mediaBuyBody, platformKey: platformKey, over: connection)

        // The feed.
        let rows = data.rows
        let expectedImpressions = rows - rows / (data.impressionsPerClick + 1)
        log("(6) feed: \(expectedImpressions) impressions + \(rows - expectedImpressions) clicks over \(data.days) days, \(chunk) rows a request")
        var sampler = RSSSampler(pid: server.pid)
        let trickle = conversionsPerSecond > 0 ? ConversionTrickle(target: target, data: data, perSecond: conversionsPerSecond) : nil
        let loadStart = Date()
        let fed = try ExposureFeeder(data: data, platformKey: platformKey, chunk: chunk)
            .run(over: connection, log: log) { trickle?.feedSent(rows: $0) }
        let loadWall = Date().timeIntervalSince(loadStart)
        let conversions = try trickle?.stop()
        let drain = try trickle.map { _ in try ConversionTrickle.drain(target) }
        let peakLoad = sampler.stop()
        log(String(format: "(6) feed: %d rows (%.0f bytes a row) in %.1f s of requests (%.1f s wall): %.0f rows/s",
                   rows, Double(fed.bytes) / Double(max(rows, 1)), fed.seconds, loadWall, fed.sustainedRate))
        if let conversions, let drain {
            log(String(format: "(6) meanwhile %d conversions in %.1f s; worst attribution lag %.0f conversions, %.1f s; caught up %.1f s after the feed",
                       conversions.sent, conversions.seconds, conversions.maxLagConversions, conversions.maxLagSeconds, drain))
        }

        // The reports.
        sampler = RSSSampler(pid: server.pid)
        let mcp = HTTPConnection(host: target.host, port: target.port)
        defer { mcp.close() }
        let session = try MCPSession.initialize(mcp, key: target.key)
        let mcpRequest = IngestDoor.mcp.request(key: target.key, session: session)
        let call = Array(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_media_buy_delivery","arguments":{"media_buy_ids":["\#(ReportData.mediaBuyID)"],"include_package_daily_breakdown":true}}}"#.utf8)
        var deliveryMillis: [Double] = []
        var deliveryReply: HTTPReply?
        for r in 0...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            let reply = try mcp.send(mcpRequest, body: call)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            guard reply.status == 200, !ReplyScanner.contains(reply.body, #""isError":true"#),
                  !ReplyScanner.contains(reply.body, #""error":{"#) else {
                throw BenchError("get_media_buy_delivery: HTTP \(reply.status) \(reply.text.prefix(300))")
            }
            if r > 0 { deliveryMillis.append(ms) }
            deliveryReply = reply
        }
        let report = HTTPRequest(method: "GET", path: "/agentic/v1/reports/delivery?media_buy_id=\(ReportData.mediaBuyID)",
                                 headers: [("Authorization", "Bearer \(target.key)")])
        var reportMillis: [Double] = []
        var reportReply: HTTPReply?
        for r in 0...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            let reply = try connection.send(report, body: [])
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            guard reply.status == 200 else { throw BenchError("GET reports/delivery: HTTP \(reply.status) \(reply.text.prefix(300))") }
            if r > 0 { reportMillis.append(ms) }
            reportReply = reply
        }
        let peakReports = sampler.stop()
        let hwm = ProcessMemory.read(pid: server.pid)?.hwm
        let deliveryImpressions = deliveryReply.flatMap { ReplyScanner.integer(after: "impressions", following: "aggregated_totals", in: $0.body) }
        let reportImpressions = reportReply.flatMap { ReplyScanner.integer(after: "impressions", following: "totals", in: $0.body) }
        log(String(format: "(6) get_media_buy_delivery (daily breakdown, MCP): median %.2f ms, %d bytes, %@ impressions",
                   Summary(deliveryMillis)?.median ?? 0, deliveryReply?.body.count ?? 0, deliveryImpressions.map(String.init) ?? "?"))
        log(String(format: "(6) GET reports/delivery: median %.2f ms, %d bytes, %@ impressions",
                   Summary(reportMillis)?.median ?? 0, reportReply?.body.count ?? 0, reportImpressions.map(String.init) ?? "?"))
        return Result(
            feedRates: fed.rates, feedRows: rows, feedSeconds: fed.seconds, feedBytes: fed.bytes, loadWallSeconds: loadWall,
            deliveryMillis: deliveryMillis, reportMillis: reportMillis,
            deliveryImpressions: deliveryImpressions, reportImpressions: reportImpressions,
            expectedImpressions: expectedImpressions,
            deliveryBytes: deliveryReply?.body.count ?? 0, reportBytes: reportReply?.body.count ?? 0,
            peakRSSLoad: peakLoad > 0 ? peakLoad : nil, peakRSSReports: peakReports > 0 ? peakReports : nil, hwm: hwm,
            trickle: conversions, drainSeconds: drain)
    }
}
