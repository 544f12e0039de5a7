@testable import CAPICore
import Testing

/// `ArrivingEnvelope` reads a body in pieces as they arrive. Fed the seeded,
/// randomized requests of the differential tests cut at random places, it
/// must find exactly the events the strict envelope pass finds, or give the
/// body up to be read whole; and the strict pass, told what was skimmed,
/// must answer as it does on its own.
@Suite struct ArrivingEnvelopeTests {
    /// Feeds `body` cut at random places; the envelope after the last piece.
    static func arrive(_ body: [UInt8], maxEvents: Int, rng: inout Xoshiro) -> ArrivingEnvelope {
        var envelope = ArrivingEnvelope(maxEvents: maxEvents)
        var arrived = 0
        while arrived < body.count {
            arrived = min(body.count, arrived + Int.random(in: 1...max(1, body.count / 3), using: &rng))
            body.withUnsafeBufferPointer { all in
                envelope.advance(UnsafeBufferPointer(rebasing: all[0..<arrived]), complete: arrived == body.count)
            }
        }
        return envelope
    }

    @Test(arguments: 0..<20)
    func findsWhatTheStrictPassFinds(seed: Int) {
        var gen = RequestGenerator(seed: UInt64(seed) &* 0x2545_F491 &+ 3, now: DifferentialTests.now)
        var rng = Xoshiro(seed: UInt64(seed))
        var streamable = 0
        for round in 0..<40 {
            let request = gen.request()
            let body = Array(request.text.utf8)
            let envelope = Self.arrive(body, maxEvents: request.maxEvents, rng: &rng)
            let strict = body.withUnsafeBufferPointer { buffer in
                Result { () throws(LogEventDecoder.Failure) in try LogEventDecoder.decodeEnvelope(buffer, maxEvents: request.maxEvents) }
            }
            guard let skimmed = envelope.skimmed else {
                #expect(envelope.progress == .unsuitable, "seed \(seed) round \(round): \(request.text.prefix(300))")
                // A valid body whose source comes first, with no test code or key, streams.
                if case .success(let batch) = strict, let ranges = batch.eventRanges, !ranges.isEmpty,
                   batch.testEventCode == nil, batch.idempotencyKey == nil,
                   request.text.hasPrefix(#"{"event_source_id":""#), !request.text.contains(#""test_event_code""#),
                   !request.text.contains(#""idempotency_key""#) {
                    Issue.record("seed \(seed) round \(round) should have streamed: \(request.text.prefix(300))")
                }
                continue
            }
            streamable += 1
            let informed = body.withUnsafeBufferPointer { buffer in
                Result { () throws(LogEventDecoder.Failure) in
                    try LogEventDecoder.decodeEnvelope(buffer, maxEvents: request.maxEvents, skimmed: skimmed)
                }
            }
            switch (strict, informed) {
            case (.success(let a), .success(let b)):
                #expect(a.eventRanges == skimmed.ranges, "seed \(seed) round \(round)")
                #expect(b.eventRanges == a.eventRanges && b.eventSourceID == a.eventSourceID)
                #expect(a.eventSourceID == envelope.eventSourceID)
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "seed \(seed) round \(round)")
            default:
                Issue.record("seed \(seed) round \(round): alone \(strict), told \(informed): \(request.text.prefix(300))")
            }
        }
        #expect(streamable > 0, "some requests of every seed stream")
    }

    /// Bodies cut just before each byte: the events are found whatever the cut.
    @Test func everyCutFindsTheSameEvents() {
        let body = Array(#"{"event_source_id":"web" , "context":{"a":[1,{"b":"]"}]},"events": [ {"event_id":"a\"]"} ,{"event_id":"b","x":[[]]}] ,"ext":{}}"#.utf8)
        let expected = body.withUnsafeBufferPointer { try? LogEventDecoder.decodeEnvelope($0, maxEvents: 10) }?.eventRanges
        #expect(expected?.count == 2)
        for cut in 1..<body.count {
            var envelope = ArrivingEnvelope(maxEvents: 10)
            body.withUnsafeBufferPointer { all in
                envelope.advance(UnsafeBufferPointer(rebasing: all[0..<cut]), complete: false)
                envelope.advance(all, complete: true)
            }
            #expect(envelope.skimmed?.ranges == expected, "cut at \(cut)")
            #expect(envelope.eventSourceID == "web")
        }
    }

    @Test(arguments: [
        #"{"events":[{"event_id":"a"}],"event_source_id":"web"}"#,  // events before the source
        #"{"event_source_id":"web","test_event_code":"T","events":[{}]}"#,
        #"{"event_source_id":"web","idempotency_key":"k-123456789012","events":[{}]}"#,
        #"{"event_source_id":7,"events":[{}]}"#,
        #"{"event_source_id":"web","events":{}}"#,
        #"{"event_source_id":"web","events":[{},]}"#,
        #"{"event_source_id":"web","events":[{} {}]}"#,
        #"{"event_source_id":"web","events":[{},{},{}]}"#,  // more than two
        #"{"event_source_id":"web","events":[{"#,  // never closed
    ])
    func bodiesThatAreReadWhole(_ text: String) {
        var envelope = ArrivingEnvelope(maxEvents: 2)
        Array(text.utf8).withUnsafeBufferPointer { envelope.advance($0, complete: true) }
        #expect(envelope.progress == .unsuitable)
        #expect(envelope.skimmed == nil)
    }
}
