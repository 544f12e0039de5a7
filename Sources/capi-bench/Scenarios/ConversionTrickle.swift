import CAPICore
import Foundation

/// Conversions that arrive while the exposure feed runs, and how far the
/// attribution worker falls behind them.
///
/// On a thread of its own, on its own connection, every `tick`: one REST
/// log_event batch of `perSecond × tick` purchases by users of feed rows
/// already sent (so most find exposures), then a read of `GET /metrics` for
/// `capi_attribution_lag_conversions` and `capi_attribution_lag_seconds`.
/// `stop` returns what was sent and the largest lag seen; `drain` then
/// waits for the worker to catch up.
final class ConversionTrickle: @unchecked Sendable {
    struct Outcome: Sendable {
        var sent: Int
        var seconds: Double
        var maxLagConversions: Double
        var maxLagSeconds: Double
    }

    private let target: BenchTarget
    private let data: ReportData
    private let perSecond: Int
    private let tick: TimeInterval = 0.1
    private let lock = NSLock()
    private var running = true
    private var rowsSent = 0
    private var outcome = Outcome(sent: 0, seconds: 0, maxLagConversions: 0, maxLagSeconds: 0)
    private var failure: BenchError?
    private let done = DispatchSemaphore(value: 0)

    init(target: BenchTarget, data: ReportData, perSecond: Int) {
        self.target = target
        self.data = data
        self.perSecond = perSecond
        let thread = Thread { [self] in
            self.loop()
            self.done.signal()
        }
        thread.start()
    }

    /// The feed has sent rows `0..<rows`: conversions may name their users.
    func feedSent(rows: Int) { lock.withLock { rowsSent = rows } }

    /// Stops sending; returns what was sent and the worst lag seen.
    func stop() throws -> Outcome {
        lock.withLock { running = false }
        done.wait()
        return try lock.withLock {
            if let failure { throw failure }
            return outcome
        }
    }

    /// Polls the lag until no conversion waits; returns how long that took.
    static func drain(_ target: BenchTarget, timeout: TimeInterval = 120) throws -> Double {
        let connection = HTTPConnection(host: target.host, port: target.port)
        defer { connection.close() }
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            let lag = try lagNow(connection)
            if lag.conversions == 0 { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw BenchError("the attribution worker did not catch up within \(Int(timeout)) s")
    }

    private var isRunning: Bool { lock.withLock { running } }

    private func loop() {
        let connection = HTTPConnection(host: target.host, port: target.port)
        defer { connection.close() }
        let request = IngestDoor.rest.request(key: target.key, session: nil)
        let perTick = max(1, Int(Double(perSecond) * tick))
        var rng = SplitMix64(seed: data.seed ^ 0x7C1C)
        var sent = 0
        let start = Date()
        do {
            while isRunning {
                let tickStart = Date()
                let rows = lock.withLock { rowsSent }
                if rows > 0 {
                    let body = batch(from: sent, count: perTick, rows: rows, rng: &rng)
                    sent += try IngestDoor.rest.outcome(connection.send(request, body: body)).processed
                }
                let lag = try Self.lagNow(connection)
                lock.withLock {
                    outcome.sent = sent
                    outcome.seconds = Date().timeIntervalSince(start)
                    outcome.maxLagConversions = max(outcome.maxLagConversions, lag.conversions)
                    outcome.maxLagSeconds = max(outcome.maxLagSeconds, lag.seconds)
                }
                let rest = tick - Date().timeIntervalSince(tickStart)
                if rest > 0 { Thread.sleep(forTimeInterval: rest) }
            }
        } catch {
            lock.withLock { failure = error as? BenchError ?? BenchError("conversions during the feed: \(error)") }
        }
    }

    private func batch(from first: Int, count: Int, rows: Int, rng: inout SplitMix64) -> [UInt8] {
        var out = Array(#"{"event_source_id":"\#(BenchRunner.eventSourceID)","events":["#.utf8)
        let time = RFC3339.format(milliseconds: Date().epochMilliseconds - 1_000)
        for n in 0..<count {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"event_id":"trickle-\#(first + n)","event_type":"purchase","event_time":"\#(time)","#.utf8)
            out.append(contentsOf: #""action_source":"website","event_source_url":"https://shop.example.com/done","user_match":{"hashed_email":""#.utf8)
            data.hashedEmail(row: Int(rng.next() % UInt64(rows)), into: &out)
            out.append(contentsOf: #""},"custom_data":{"value":25.0,"currency":"USD"}}"#.utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    private static func lagNow(_ connection: HTTPConnection) throws -> (conversions: Double, seconds: Double) {
        let reply = try connection.send(HTTPRequest(method: "GET", path: "/metrics", headers: []), body: [])
        guard reply.status == 200 else { throw BenchError("GET /metrics: HTTP \(reply.status)") }
        func value(_ name: String) throws -> Double {
            for line in reply.text.split(separator: "\n") where line.hasPrefix(name + " ") {
                if let v = Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)) { return v }
            }
            throw BenchError("GET /metrics: no \(name)")
        }
        return (try value("capi_attribution_lag_conversions"), try value("capi_attribution_lag_seconds"))
    }
}
