import Foundation

/// (2), (3) and (5b): N clients, one thread and one keep-alive connection
/// each, send batches back to back for a fixed time.
struct SustainedScenario {
    var door: IngestDoor
    var template: BatchTemplate
    var clients: Int
    var duration: TimeInterval
    /// Client tags start here, so runs never reuse each other's event ids.
    var firstClientTag: Int
    /// When set, each client stops after this many batches (a preload),
    /// or at the end of `duration`, whichever comes first.
    var batchesPerClient: Int? = nil

    struct Result: Sendable {
        var eventsPerSecond: Double
        var events: Int
        var batches: Int
        var seconds: Double
        var batchMillis: [Double]
        /// Largest resident set of the server seen while the clients ran.
        var peakRSS: Int?
        /// The server's VmHWM at the end (covers its whole life, not just this run).
        var serverHWM: Int?
    }

    func run(_ target: BenchTarget) throws(BenchError) -> Result {
        let wrapped = door.template(template)
        let collector = ClientResults()
        let sampler = target.serverPID.map { RSSSampler(pid: $0) }
        let ready = DispatchGroup()
        let finished = DispatchGroup()
        let gate = DispatchSemaphore(value: 0)
        let startBox = StartTime()
        for c in 0..<clients {
            ready.enter()
            finished.enter()
            let tag = firstClientTag + c
            let door = self.door
            let duration = self.duration
            let batchesPerClient = self.batchesPerClient ?? .max
            let thread = Thread {
                defer { finished.leave() }
                let connection = HTTPConnection(host: target.host, port: target.port(client: c))
                defer { connection.close() }
                var body = wrapped.bytes
                let request: HTTPRequest
                do throws(BenchError) {
                    let session = try door.open(connection, key: target.key)
                    request = door.request(key: target.key, session: session)
                } catch {
                    collector.fail(error)
                    ready.leave()
                    return
                }
                ready.leave()
                gate.wait()
                let deadline = startBox.value + UInt64(duration * 1e9)
                var local = ClientResults.Local()
                var sequence = 0
                while sequence < batchesPerClient, DispatchTime.now().uptimeNanoseconds < deadline {
                    wrapped.stamp(&body, client: tag, sequence: sequence)
                    sequence += 1
                    let start = DispatchTime.now().uptimeNanoseconds
                    do throws(BenchError) {
                        let outcome = try door.outcome(try connection.send(request, body: body))
                        let end = DispatchTime.now().uptimeNanoseconds
                        local.millis.append(Double(end - start) / 1e6)
                        local.events += outcome.processed
                        local.lastEnd = end
                    } catch {
                        collector.fail(error)
                        break
                    }
                }
                collector.add(local)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        ready.wait()
        startBox.value = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<clients { gate.signal() }
        finished.wait()
        let peak = sampler?.stop()
        let (totals, failure) = collector.snapshot()
        if let failure { throw failure }
        // Throughput over the span until the last reply came back.
        let seconds = Double(max(totals.lastEnd, startBox.value + 1) - startBox.value) / 1e9
        return Result(
            eventsPerSecond: Double(totals.events) / seconds, events: totals.events, batches: totals.millis.count,
            seconds: seconds, batchMillis: totals.millis, peakRSS: peak,
            serverHWM: target.serverPID.flatMap { ProcessMemory.read(pid: $0)?.hwm })
    }
}
