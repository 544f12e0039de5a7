import CAPICore
import Foundation
import Testing

/// Feeds the same seeded, randomized log_event requests — valid and broken in
/// many ways — to the fast path (LogEventDecoder + EventValidator) and to the
/// plain reference, and requires the same verdicts: the same accepted
/// events, and the same failures (index, event id, code, field).
///
/// A failure prints the seed and the request; rerun with that seed to reproduce.
@Suite struct DifferentialTests {
    static let now = RFC3339.parseMilliseconds("2026-11-27T12:00:00Z") ?? 0

    @Test(arguments: 0..<40)
    func fastPathAgreesWithReference(seed: Int) throws {
        var gen = RequestGenerator(seed: UInt64(seed) &* 0x9E37_79B9 &+ 17, now: Self.now)
        for round in 0..<25 {
            let request = gen.request()
            try compare(request, seed: seed, round: round)
        }
    }

    /// Compares the verdicts on `request`, or on `bytes` in its place (a
    /// mutated body need not be text) under the request's source contract.
    func compare(_ request: RequestGenerator.Request, bytes: [UInt8]? = nil, seed: Int, round: Int) throws {
        let body = bytes ?? Array(request.text.utf8)
        let contract = EventSourceContract(
            eventTypes: request.eventTypes.map { Set($0.compactMap(EventType.init(rawValue:))) },
            allowedDomains: request.allowedDomains, valueCurrencies: request.valueCurrencies)
        let rules = ReferenceRules(
            eventTypes: request.eventTypes.map(Set.init), allowedDomains: request.allowedDomains,
            valueCurrencies: request.valueCurrencies, now: Self.now)
        let expected = ReferenceLogEvent.run(body, maxEvents: request.maxEvents, validator: rules)
        let (actual, raws) = fastOutcome(body, maxEvents: request.maxEvents, contract: contract)
        let shown = String(decoding: body, as: UTF8.self)
        let context = "seed \(seed) round \(round):\n\(shown.prefix(3000))\n…\n\(shown.suffix(300))"
        switch (expected, actual) {
        case (.batch(let e), .batch(let a)):
            #expect(e.eventSourceID == a.eventSourceID, "\(context)")
            #expect(e.testEventCode == a.testEventCode, "\(context)")
            #expect(e.idempotencyKey == a.idempotencyKey, "\(context)")
            #expect(e.hasEvents == a.hasEvents, "\(context)")
            #expect(e.verdicts.count == a.verdicts.count, "\(context)")
            for (i, (ev, av)) in zip(e.verdicts, a.verdicts).enumerated() where ev != av {
                Issue.record("event \(i): reference \(ev)\n  fast \(av)\n\(context)")
                return
            }
        default:
            #expect(expected == actual, "\(context)")
        }
        // Each accepted event's raw range must hold exactly that event's object.
        if case .batch = actual {
            for raw in raws {
                let slice = Array(body[raw])
                #expect(ReferenceStrictJSON.parse(slice).map { v in
                    if case .object = v { true } else { false }
                } == true, "raw range \(raw) is not one object: \(context)")
            }
        }
    }

    /// The fast path's verdicts, in the reference's terms.
    func fastOutcome(
        _ body: [UInt8], maxEvents: Int, contract: EventSourceContract
    ) -> (ReferenceLogEvent.Outcome, [Range<Int>]) {
        let batch: LogEventBatch
        do {
            batch = try LogEventDecoder.decode(body, maxEvents: maxEvents)
        } catch {
            switch error {
            case .syntax: return (.syntax, [])
            case .invalid(let e): return (.invalid(code: e.code, field: e.field), [])
            }
        }
        let validator = EventValidator(contract: contract, now: Self.now)
        var verdicts: [ReferenceLogEvent.Verdict] = []
        var raws: [Range<Int>] = []
        for (index, event) in (batch.events ?? []).enumerated() {
            switch validator.validate(event, index: index) {
            case .success(var e):
                raws.append(e.raw)
                e.raw = 0..<0
                verdicts.append(.accepted(e))
            case .failure(let f):
                verdicts.append(.failed(index: f.index, eventID: f.eventID, code: f.error.code, field: f.error.field))
            }
        }
        let out = ReferenceLogEvent.Batch(
            eventSourceID: batch.eventSourceID, testEventCode: batch.testEventCode,
            idempotencyKey: batch.idempotencyKey, hasEvents: batch.events != nil, verdicts: verdicts)
        return (.batch(out), raws)
    }

    /// Known cases the generator might hit only rarely, pinned.
    @Test(arguments: [
        #"{"event_source_id":"s","events":[{"event_id":"a","event_type":"purchase","event_time":"2026-11-27T11:00:00Z","user_match":{"uids":[null,{"type":"bogus","value":"x"}]}}]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"a","event_type":"purchase","event_time":"2026-11-27T11:00:00Z","user_match":{"uids":[null]}}]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"a","event_type":"purchase","event_time":"2026-11-27T11:00:00Z","custom_data":{"contents":[null,{"quantity":1}]}}]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"\u00e9\ud83d\ude00","event_type":"lead","event_time":"2026-11-27T11:00:00.123456+05:30","user_match":{"click_id":"c"}}]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"a","event_type":"purchase","event_time":"2026-11-27T11:00:00Z","user_match":{"click_id":"c"},"custom_data":{"value":1.5e1,"num_items":2E0,"contents":[{"id":"x","quantity":1e0,"price":-0}]}}]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"a","event_type":"purchase","event_time":"2026-11-27T11:00:00Z","x":1e999}]}"#,
    ])
    func pinnedCases(_ text: String) throws {
        try compare(RequestGenerator.Request(text: text), seed: -1, round: 0)
    }
}
