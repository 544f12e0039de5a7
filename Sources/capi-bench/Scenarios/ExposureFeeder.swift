import Foundation

/// Streams a `ReportData` feed through `POST /agentic/v1/exposures`: NDJSON,
/// `chunk` rows a request, one keep-alive connection, one request at a time.
/// Each body is generated before its clock starts; a request is timed from
/// its first byte sent to its whole 200 read. Used by measure (6) and by
/// `--preload-exposures`.
struct ExposureFeeder {
    var data: ReportData
    var platformKey: String
    var chunk = 100_000

    struct Result: Sendable {
        /// Rows a second of each request.
        var rates: [Double] = []
        /// Sum of the request times.
        var seconds = 0.0
        /// Request body bytes.
        var bytes = 0
        var stored = 0

        var sustainedRate: Double { seconds > 0 ? Double(stored) / seconds : 0 }
    }

    /// Sends the whole feed; `afterEach` hears how many rows were sent so far.
    func run(over connection: HTTPConnection, log: (String) -> Void, afterEach: (Int) -> Void = { _ in }) throws -> Result {
        let rows = data.rows
        var result = Result()
        let request = HTTPRequest(path: "/agentic/v1/exposures", headers: [
            ("Authorization", "Bearer \(platformKey)"), ("Content-Type", "application/x-ndjson"),
        ])
        for (n, lower) in stride(from: 0, to: rows, by: chunk).enumerated() {
            let range = lower..<min(lower + chunk, rows)
            let body = data.chunk(range)
            result.bytes += body.count
            let start = DispatchTime.now().uptimeNanoseconds
            let reply = try connection.send(request, body: body)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            guard reply.status == 200, let processed = ReplyScanner.integer(after: "exposures_processed", in: reply.body) else {
                throw BenchError("POST exposures: HTTP \(reply.status) \(reply.text.prefix(300))")
            }
            if ReplyScanner.contains(reply.body, "failures") { throw BenchError("exposure rows refused: \(reply.text.prefix(300))") }
            result.stored += processed
            afterEach(range.upperBound)
            result.seconds += seconds
            result.rates.append(Double(range.count) / seconds)
            if n % 10 == 9 || range.upperBound == rows {
                log(String(format: "  %d rows stored, this request %.0f rows/s, so far %.0f rows/s",
                           result.stored, Double(range.count) / seconds, result.sustainedRate))
            }
        }
        guard result.stored == rows else { throw BenchError("only \(result.stored) of \(rows) exposure rows stored") }
        return result
    }
}
