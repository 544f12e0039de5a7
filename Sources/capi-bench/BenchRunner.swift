import CAPICore
import Foundation

/// Runs the measures in order and assembles the report.
///
/// Order matters: (1) runs first, on an empty database, then the sustained
/// runs, then MCP, each phase with its own event ids.
struct BenchRunner {
    var options: BenchOptions

    static let eventSourceID = "bench"

    func log(_ text: String) {
        if !options.quiet { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    func run() throws -> BenchReport {
        let started = ISO8601DateFormatter().string(from: Date())
        if options.reportsOnly {
            return BenchReport(startedAt: started, machine: BenchReport.machine(), config: config(bytesPerEvent: nil), rows: reportRows())
        }
        if options.attributionOnly {
            return BenchReport(startedAt: started, machine: BenchReport.machine(), config: config(bytesPerEvent: nil), rows: attributionRows())
        }
        var server: CAPIServerProcess?
        var nodes: [CAPIServerProcess] = []
        var target: BenchTarget
        if let url = options.url, let key = options.key {
            target = try BenchTarget.parse(url: url, key: key, pid: options.serverPID)
        } else {
            let capi = try options.resolvedCAPIPath()
            log("starting \(capi) serve")
            let s = try CAPIServerProcess(capiPath: capi, log: log, postgres: options.database)
            server = s
            target = BenchTarget(host: "127.0.0.1", port: s.port, key: s.key, serverPID: s.pid)
            for _ in 1..<options.nodes { nodes.append(try CAPIServerProcess(sharing: s, log: log)) }
            target.otherPorts = nodes.map(\.port)
        }
        defer {
            for node in nodes { node.stop(keepData: false) }
            server?.stop(keepData: options.keepData)
        }
        try Self.syncEventSource(target)

        log("generating batches (seed \(options.seed))…")
        let runTag = "b" + String(UInt64(max(0, Date().epochMilliseconds)), radix: 36)
        var generator = EventGenerator(
            seed: options.seed, runTag: runTag, eventSourceID: Self.eventSourceID,
            duplicateShare: options.duplicateShare, now: Date().epochMilliseconds)
        var large = generator.template(count: options.batchEvents)
        var small = generator.template(count: options.sustainedBatchEvents)
        large.scatteredIDs = options.scatteredIDs
        small.scatteredIDs = options.scatteredIDs
        let bytesPerEvent = Double(large.bytes.count) / Double(large.eventCount)
        log(String(format: "large batch: %d events, %.2f MB (%.0f bytes/event); sustained batch: %d events",
                   large.eventCount, Double(large.bytes.count) / 1e6, bytesPerEvent, small.eventCount))

        var rows: [BenchReport.Row] = []
        if options.preload > 0 { rows.append(try preloadRow(small, target)) }
        if options.preloadExposures > 0 {
            guard let server else { throw BenchError("--preload-exposures needs the server capi-bench starts (not --url)") }
            rows.append(try preloadExposuresRow(server, target))
        }
        var restSingle: Summary?
        var restSustained: Summary?
        for door in options.doors {
            if door == .mcp {
                if case .failure(let error) = MCPSession.probe(host: target.host, port: target.port, key: target.key) {
                    log("MCP door not available: \(error)")
                    let note = "/mcp does not answer MCP yet"
                    rows.append(.unavailable("5a", "MCP log_event, one \(large.eventCount)-event batch", "ms", "≤ 1.5× REST", note))
                    rows.append(.unavailable("5b", "MCP log_event, sustained", "events/s", "≥ REST ÷ 1.5", note))
                    continue
                }
            }
            let tagBase = door == .rest ? 1 : 2
            log("(\(door == .rest ? "1" : "5a")) \(door.rawValue): one \(large.eventCount)-event batch × \(options.repetitions) (after \(options.warmups) warm-ups)")
            let single = try SingleBatchScenario(
                door: door, template: large, repetitions: options.repetitions, warmups: options.warmups,
                clientTag: tagBase
            ).run(target, log: log)
            let singleSummary = Summary(single.millis)
            log("(\(door == .rest ? "2" : "5b")) \(door.rawValue): \(options.clients) clients × \(small.eventCount)-event batches for \(options.duration) s, × \(options.sustainedRepetitions)")
            var rates: [Double] = []
            var latencies: [Double] = []
            var peaks: [Double] = []
            var hwm: Int?
            for r in 0..<options.sustainedRepetitions {
                let result = try SustainedScenario(
                    door: door, template: small, clients: options.clients, duration: options.duration,
                    firstClientTag: tagBase * 1000 + r * options.clients
                ).run(target)
                rates.append(result.eventsPerSecond)
                latencies += result.batchMillis
                if let p = result.peakRSS { peaks.append(Double(p) / 1_048_576) }
                hwm = result.serverHWM
                log(String(format: "  run %d: %.0f events/s (%d events in %d batches, %.2f s), batch median %.1f ms, server peak RSS %@",
                           r + 1, result.eventsPerSecond, result.events, result.batches, result.seconds,
                           Summary(result.batchMillis)?.median ?? 0,
                           result.peakRSS.map { String(format: "%.0f MiB", Double($0) / 1_048_576) } ?? "n/a"))
            }
            let rateSummary = Summary(rates)
            if door == .rest {
                restSingle = singleSummary
                restSustained = rateSummary
                let goal = IngestGoal(postgres: options.database != nil)
                rows.append(.measured("1", "REST one \(large.eventCount)-event batch, end to end", "ms", single.millis,
                                      target: "≤ \(goal.batchMillis) ms", pass: (singleSummary?.median ?? .infinity) <= Double(goal.batchMillis),
                                      note: options.duplicateShare > 0 ? "\(single.duplicatesReported) duplicates reported" : nil))
                rows.append(.measured("2", "REST sustained, \(options.clients) clients × \(small.eventCount)", "events/s", rates,
                                      target: "≥ \(goal.eventsPerSecond)", pass: (rateSummary?.median ?? 0) >= Double(goal.eventsPerSecond),
                                      note: options.nodes > 1 ? "\(options.nodes) nodes" : nil))
                rows.append(.measured("2·lat", "REST sustained, per-batch latency", "ms", latencies, target: "—", pass: nil))
                if peaks.isEmpty {
                    rows.append(.unavailable("3", "server peak RSS during (2)", "MiB", "≤ 300 MB", "server pid unknown; pass --server-pid"))
                } else {
                    rows.append(.measured("3", "server peak RSS during (2)", "MiB", peaks, target: "≤ 300 MB",
                                          pass: (peaks.max() ?? .infinity) * 1_048_576 <= 300e6,
                                          note: hwm.map { String(format: "VmHWM over server life %.0f MiB", Double($0) / 1_048_576) }))
                }
            } else {
                let ratio = zip(restSingle?.median, singleSummary?.median).map { $1 / $0 }
                rows.append(.measured("5a", "MCP log_event, one \(large.eventCount)-event batch", "ms", single.millis,
                                      target: "≤ 1.5× REST", pass: ratio.map { $0 <= 1.5 },
                                      note: ratio.map { String(format: "%.2f× REST", $0) }))
                let slowdown = zip(restSustained?.median, rateSummary?.median).map { $0 / $1 }
                rows.append(.measured("5b", "MCP log_event, sustained", "events/s", rates,
                                      target: "≥ REST ÷ 1.5", pass: slowdown.map { $0 <= 1.5 },
                                      note: slowdown.map { String(format: "REST is %.2f× this", $0) }))
                rows.append(.measured("5b·lat", "MCP sustained, per-batch latency", "ms", latencies, target: "—", pass: nil))
            }
        }
        // (4) last, on its own server and database, with the ingestion server stopped
        // so its background attributor does not compete for the two cores.
        for node in nodes { node.stop(keepData: false) }
        nodes = []
        server?.stop(keepData: options.keepData)
        server = nil
        let at = rows.firstIndex { $0.id.hasPrefix("5") } ?? rows.endIndex
        rows.insert(contentsOf: attributionRows(), at: at)
        if options.reportImpressions > 0 { rows += reportRows() }
        return BenchReport(
            startedAt: started, machine: BenchReport.machine(),
            config: config(bytesPerEvent: (bytesPerEvent * 10).rounded() / 10),
            rows: rows)
    }

    /// `--preload N`: N events stored before any measure, with client tags
    /// no measure uses; the row says how fast they went in.
    func preloadRow(_ template: BatchTemplate, _ target: BenchTarget) throws -> BenchReport.Row {
        let perRound = options.clients * template.eventCount
        let batches = (options.preload + perRound - 1) / perRound
        log("(P) preloading \(batches * perRound) events: \(options.clients) clients × \(batches) batches of \(template.eventCount)")
        let result = try SustainedScenario(
            door: .rest, template: template, clients: options.clients, duration: 86_400, firstClientTag: 9_000,
            batchesPerClient: batches
        ).run(target)
        log(String(format: "  %d events stored in %.1f s (%.0f events/s)", result.events, result.seconds, result.eventsPerSecond))
        return .measured("P", "preload, \(result.events) events before the measures", "events/s", [result.eventsPerSecond],
                         target: "—", pass: nil, note: String(format: "%.1f s", result.seconds))
    }

    /// `--preload-exposures N`: measure (6)'s feed of N impressions (and
    /// N/50 clicks) into a buy of the bench account, before any measure.
    func preloadExposuresRow(_ server: CAPIServerProcess, _ target: BenchTarget) throws -> BenchReport.Row {
        var data = ReportData(impressions: options.preloadExposures, now: Date().epochMilliseconds, seed: options.seed)
        data.scatteredIDs = options.scatteredIDs
        log("(PE) preloading \(data.rows) exposures through the feed")
        let platformKey = try server.createPlatformKey()
        let connection = HTTPConnection(host: target.host, port: target.port)
        defer { connection.close() }
        try CAPIServerProcess.putMediaBuy(id: ReportData.mediaBuyID, body: data.mediaBuyBody, platformKey: platformKey, over: connection)
        let fed = try ExposureFeeder(data: data, platformKey: platformKey).run(over: connection, log: log)
        log(String(format: "  %d exposures stored in %.1f s of requests (%.0f rows/s)", fed.stored, fed.seconds, fed.sustainedRate))
        return .measured("PE", "preload, \(fed.stored) exposures before the measures", "rows/s", [fed.sustainedRate],
                         target: "—", pass: nil, note: String(format: "%.1f s of requests", fed.seconds))
    }

    func config(bytesPerEvent: Double?) -> BenchReport.Config {
        .init(
            batchEvents: options.batchEvents, sustainedBatchEvents: options.sustainedBatchEvents,
            clients: options.clients, durationSeconds: options.duration, repetitions: options.repetitions,
            sustainedRepetitions: options.sustainedRepetitions, duplicateShare: options.duplicateShare,
            scatteredIDs: options.scatteredIDs, seed: options.seed, bytesPerEvent: bytesPerEvent,
            target: options.url ?? (options.database == nil
                ? "spawned capi serve (SQLite, every 200 on disk)"
                : "spawned capi serve × \(options.nodes) (PostgreSQL \(Self.hostOnly(options.database ?? "")), every 200 committed)"),
            reportImpressions: options.reportImpressions, reportRepetitions: options.reportRepetitions,
            preload: options.preload)
    }

    /// The host part of a URL, never its user or password.
    static func hostOnly(_ url: String) -> String {
        let rest = url.split(separator: "://", maxSplits: 1).last ?? ""
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        return String(authority.split(separator: "@").last ?? "")
    }

    /// (6): its own `capi serve`, the exposure feed into one buy, then timed delivery reports.
    func reportRows() -> [BenchReport.Row] {
        let n = options.reportImpressions
        let feedName = "exposure feed, \(n) impressions, NDJSON 100000 rows/request"
        let deliveryName = "get_media_buy_delivery + daily breakdown (MCP), \(n) imp."
        let reportName = "GET reports/delivery, \(n) imp."
        // The issue's bound on reports is stated for 10M impressions; a smaller buy gets no verdict.
        let atScale = n >= 10_000_000
        do {
            let capi = try options.resolvedCAPIPath()
            log("(6) reports: \(n) impressions, × \(options.reportRepetitions)")
            let r = try ReportScenario(
                capiPath: capi, impressions: n, repetitions: options.reportRepetitions, seed: options.seed,
                keepData: options.keepData, conversionsPerSecond: options.feedConversionsPerSecond,
                scatteredIDs: options.scatteredIDs, postgres: options.database
            ).run(log: log)
            func check(_ seen: Int?) -> String {
                guard let seen else { return "impression total unreadable" }
                return seen == r.expectedImpressions ? "\(seen) impressions" : "\(seen) impressions, expected \(r.expectedImpressions) — MISMATCH"
            }
            let mib = { (b: Int?) in b.map { String(format: "%.0f MiB", Double($0) / 1_048_576) } ?? "n/a" }
            var rows: [BenchReport.Row] = [
                .measured("6f", feedName, "rows/s", r.feedRates, target: "≥ 250000", pass: r.sustainedRate >= 250_000,
                          note: String(format: "per request; sustained %.0f rows/s = %d rows ÷ %.1f s of requests; %.1f s wall; %.0f bytes a row",
                                       r.sustainedRate, r.feedRows, r.feedSeconds, r.loadWallSeconds,
                                       Double(r.feedBytes) / Double(max(r.feedRows, 1)))),
                .measured("6a", deliveryName, "ms", r.deliveryMillis, target: "≤ 20 ms at 10M",
                          pass: atScale ? (Summary(r.deliveryMillis)?.median ?? .infinity) <= 20 : nil,
                          note: "\(check(r.deliveryImpressions)), \(r.deliveryBytes) bytes"),
                .measured("6b", reportName, "ms", r.reportMillis, target: "—", pass: nil,
                          note: "\(check(r.reportImpressions)), \(r.reportBytes) bytes"),
            ]
            if let t = r.trickle, let drain = r.drainSeconds {
                rows.append(.measured("6l", "attribution lag during the feed, \(options.feedConversionsPerSecond) conversions/s arriving", "conversions",
                                      [t.maxLagConversions], target: "—", pass: nil,
                                      note: String(format: "worst; %.1f s at worst; %d conversions sent in %.1f s; caught up %.1f s after the feed",
                                                   t.maxLagSeconds, t.sent, t.seconds, drain)))
            }
            if let peak = [r.peakRSSLoad, r.peakRSSReports].compactMap({ $0 }).max() {
                rows.append(.measured("6m", "server peak RSS during (6)", "MiB", [Double(peak) / 1_048_576], target: "≤ 300 MB",
                                      pass: Double(peak) <= 300e6,
                                      note: "feed \(mib(r.peakRSSLoad)), reports \(mib(r.peakRSSReports)); VmHWM \(mib(r.hwm))"))
            }
            return rows
        } catch {
            log("(6) failed: \(error)")
            return [.unavailable("6", "reports, \(n) impressions", "ms", "≤ 20 ms at 10M", "failed: \(error)")]
        }
    }

    /// (4): its own `capi serve --attribution-interval 0`, then timed `capi attribute`.
    func attributionRows() -> [BenchReport.Row] {
        let name = "attribution \(options.conversions) conv × \(options.exposures) exp (`capi attribute`)"
        guard options.attributionRepetitions > 0 else {
            return [.unavailable("4", name, "s", "≤ 10 s", "skipped (--attribution-repetitions 0)")]
        }
        guard options.database == nil else {
            return [.unavailable("4", name, "s", "≤ 10 s", "times copies of a SQLite file; not with --database")]
        }
        do {
            let capi = try options.resolvedCAPIPath()
            log("(4) attribution: \(options.conversions) conversions × \(options.exposures) exposures, × \(options.attributionRepetitions)")
            let r = try AttributionScenario(
                capiPath: capi, conversions: options.conversions, exposures: options.exposures,
                repetitions: options.attributionRepetitions, seed: options.seed, keepData: options.keepData
            ).run(log: log)
            let counted = r.attributedCounter.map { "\($0) attributed" } ?? "attributed count unreadable"
            var note = "\(counted) (expected \(r.expected)); \(r.examinedByCLI.map(String.init) ?? "?") examined"
            if let c = r.attributedCounter, c != r.expected { note += " — MISMATCH" }
            note += String(format: "; load %.0f s untimed", r.loadSeconds)
            return [.measured("4", name, "s", r.seconds, target: "≤ 10 s",
                              pass: (Summary(r.seconds)?.median ?? .infinity) <= 10, note: note)]
        } catch {
            log("(4) failed: \(error)")
            return [.unavailable("4", name, "s", "≤ 10 s", "failed: \(error)")]
        }
    }

    /// Declares the `bench` event source (an upsert; safe to repeat).
    static func syncEventSource(_ target: BenchTarget) throws {
        let connection = HTTPConnection(host: target.host, port: target.port)
        defer { connection.close() }
        let body = #"{"event_sources":[{"event_source_id":"\#(Self.eventSourceID)","event_types":["purchase","add_to_cart","lead"]}]}"#
        let reply = try connection.send(
            HTTPRequest(path: "/agentic/v1/event-sources/sync", headers: [
                ("Authorization", "Bearer \(target.key)"), ("Content-Type", "application/json"),
            ]),
            body: Array(body.utf8))
        guard reply.status == 200 else {
            throw BenchError("event source sync: HTTP \(reply.status) \(reply.text.prefix(300))")
        }
    }
}

/// The targets of (1) and (2): SQLite's, or PostgreSQL's on the same machine
/// (a network round trip per statement, and a server sharing the cores).
private struct IngestGoal {
    var batchMillis: Int
    var eventsPerSecond: Int

    init(postgres: Bool) {
        (batchMillis, eventsPerSecond) = postgres ? (200, 40_000) : (100, 100_000)
    }
}

private func zip(_ a: Double?, _ b: Double?) -> (Double, Double)? {
    guard let a, let b, a > 0, b > 0 else { return nil }
    return (a, b)
}

extension BenchReport.Row {
    static func measured(
        _ id: String, _ name: String, _ unit: String, _ values: [Double], target: String, pass: Bool?, note: String? = nil
    ) -> Self {
        .init(id: id, name: name, unit: unit, summary: Summary(values), values: values, target: target,
              verdict: pass.map { $0 ? "pass" : "MISS" } ?? "—", note: note)
    }

    static func unavailable(_ id: String, _ name: String, _ unit: String, _ target: String, _ note: String) -> Self {
        .init(id: id, name: name, unit: unit, summary: nil, values: [], target: target, verdict: "not available", note: note)
    }
}
