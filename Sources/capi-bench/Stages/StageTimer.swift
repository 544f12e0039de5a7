import CAPICore
import Foundation

/// `capi-bench --stages`: the in-process stages of reading one large batch,
/// timed on one core with no server, socket or database. It shows where the
/// CPU of measure (1) goes, and whether a change to the decoder or the rules
/// moved it, without the noise of a whole request.
struct StageTimer {
    var events: Int
    var repetitions: Int
    var seed: UInt64

    struct Stage {
        var name: String
        var medianMilliseconds: Double
        var microsecondsPerEvent: Double
    }

    func run() -> [Stage] {
        let now = Date().epochMilliseconds
        var generator = EventGenerator(seed: seed, runTag: "stage", eventSourceID: "bench", duplicateShare: 0, now: now)
        let template = generator.template(count: events)
        var body = template.bytes
        template.stamp(&body, client: 0, sequence: 0)
        let validator = EventValidator(contract: EventSourceContract(), now: now)
        return body.withUnsafeBufferPointer { buffer in
            let ranges = (try? LogEventDecoder.decodeEnvelope(buffer, maxEvents: events))?.eventRanges ?? []
            let decoded = ranges.compactMap { try? LogEventDecoder.decodeEvent(buffer, at: $0) }
            let accepted = decoded.enumerated().compactMap { try? validator.validate($1, index: $0).get() }
            let stored = accepted.map { event in
                var payload: [UInt8] = []
                CompactEventJSON.append(UnsafeBufferPointer(rebasing: buffer[event.raw]), to: &payload)
                return payload
            }
            return [
                time("envelope: find the events") {
                    (try? LogEventDecoder.decodeEnvelope(buffer, maxEvents: events))?.eventRanges?.count ?? 0
                },
                time("decode each event") {
                    ranges.reduce(0) { n, range in n &+ ((try? LogEventDecoder.decodeEvent(buffer, at: range))?.raw.count ?? 0) }
                },
                time("apply the rules") {
                    decoded.enumerated().reduce(0) { n, item in
                        n &+ ((try? validator.validate(item.element, index: item.offset).get())?.raw.count ?? 0)
                    }
                },
                time("a run: both, as served") {
                    ValidatedEvents(buffer, ranges: ranges[...], firstIndex: 0, validator: validator).accepted.count
                },
                time("compact the payloads (in a run)") {
                    var out: [UInt8] = []
                    out.reserveCapacity(buffer.count)
                    for event in accepted { CompactEventJSON.append(UnsafeBufferPointer(rebasing: buffer[event.raw]), to: &out) }
                    return out.count
                },
                // Not on the request path: the attribution worker's share.
                time("worker: keys from stored events") {
                    stored.reduce(0) { n, payload in
                        n &+ payload.withUnsafeBufferPointer { IdentityKey.storageKeys(ofStoredEvent: $0).count }
                    }
                },
            ]
        }
    }

    /// Median of `repetitions` timings; `work` returns a number so its result is used.
    private func time(_ name: String, _ work: () -> Int) -> Stage {
        var samples: [Double] = []
        var sink = 0
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            sink &+= work()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        precondition(sink != 0, "the stage \(name) did no work")
        samples.sort()
        let median = samples[samples.count / 2]
        return Stage(name: name, medianMilliseconds: median, microsecondsPerEvent: median * 1000 / Double(events))
    }

    static func table(_ stages: [Stage], events: Int) -> String {
        var out = "stage (one core, \(events) events)".padding(toLength: 40, withPad: " ", startingAt: 0) + "median ms   µs/event\n"
        for s in stages {
            out += s.name.padding(toLength: 40, withPad: " ", startingAt: 0)
                + String(format: "%9.2f  %9.2f\n", s.medianMilliseconds, s.microsecondsPerEvent)
        }
        return out
    }
}
