import Foundation

/// (1) and (5a): one large batch at a time, timed from the first byte sent to
/// the last byte of the 200 read, over one keep-alive connection.
struct SingleBatchScenario {
    var door: IngestDoor
    var template: BatchTemplate
    var repetitions: Int
    var warmups: Int
    /// Distinguishes this phase's event ids from every other phase's.
    var clientTag: Int

    struct Result: Sendable {
        var millis: [Double]
        var duplicatesReported: Int
        var eventsPerBatch: Int
        var bodyBytes: Int
    }

    func run(_ target: BenchTarget, log: (String) -> Void) throws(BenchError) -> Result {
        let connection = HTTPConnection(host: target.host, port: target.port)
        defer { connection.close() }
        let session = try door.open(connection, key: target.key)
        let request = door.request(key: target.key, session: session)
        let wrapped = door.template(template)
        // Every body is stamped before the clock starts.
        var bodies: [[UInt8]] = []
        for sequence in 0..<(warmups + repetitions) {
            var body = wrapped.bytes
            wrapped.stamp(&body, client: clientTag, sequence: sequence)
            bodies.append(body)
        }
        var millis: [Double] = []
        var duplicates = 0
        for (sequence, body) in bodies.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            let reply = try connection.send(request, body: body)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            let outcome = try door.outcome(reply)
            guard outcome.processed == wrapped.eventCount else {
                throw BenchError("\(door.rawValue): server processed \(outcome.processed) of \(wrapped.eventCount) events")
            }
            if sequence >= warmups {
                millis.append(elapsed)
                duplicates += outcome.duplicates
                log(String(format: "  %@ batch %d: %.1f ms (%d duplicates)", door.rawValue, sequence - warmups + 1, elapsed, outcome.duplicates))
            } else {
                log(String(format: "  %@ warm-up %d: %.1f ms", door.rawValue, sequence + 1, elapsed))
            }
        }
        return Result(millis: millis, duplicatesReported: duplicates, eventsPerBatch: wrapped.eventCount, bodyBytes: template.bytes.count)
    }
}
