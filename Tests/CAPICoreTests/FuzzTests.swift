import CAPICore
import Foundation
import Testing

/// A seeded mutation loop over real batches and exposure feeds: each round
/// takes a generated request (valid, or broken the generator's ways) and
/// breaks it further as an attacker would — cut short, nested deep, strings
/// and numbers made huge, bytes that are not UTF-8, members repeated, a
/// byte-order mark, trailing commas, escaped control characters, bytes
/// flipped. The fast decoder must not crash and must agree with the plain
/// reference (`ReferenceLogEvent`, `ReferenceStrictJSON`) on every input.
///
/// `CAPI_FUZZ_ROUNDS` sets the rounds per seed (default 40); a failure
/// prints its seed and round, and the same pair reproduces it.
@Suite struct FuzzTests {
    static let rounds = ProcessInfo.processInfo.environment["CAPI_FUZZ_ROUNDS"].flatMap(Int.init) ?? 40

    @Test(arguments: 0..<12)
    func theLogEventDecoderAgreesWithTheReferenceOnMutatedBatches(seed: Int) throws {
        var generator = RequestGenerator(seed: UInt64(seed) &* 0x2545_F491 &+ 99, now: DifferentialTests.now)
        var mutator = Mutator(seed: UInt64(seed) &+ 0x5EED)
        for round in 0..<Self.rounds {
            let request = generator.request()
            var body = Array(request.text.utf8)
            for _ in 0..<mutator.int(1...3) { mutator.mutate(&body) }
            try DifferentialTests().compare(request, bytes: body, seed: seed, round: round)
        }
    }

    @Test(arguments: 0..<6)
    func theExposureParserAgreesWithTheReference(seed: Int) throws {
        var mutator = Mutator(seed: UInt64(seed) &* 31 &+ 7)
        for round in 0..<Self.rounds {
            let rows = (0..<mutator.int(1...6)).map { i in
                #"{"exposure_id":"e\#(round)_\#(i)","type":"impression","media_buy_id":"mb","package_id":"p","creative_id":"c","time":"2026-11-27T11:00:00Z","cost":0.25,"uids":[{"type":"rampid","value":"XY\#(i)"}],"hashed_email":"\#(String(repeating: "ab", count: 32))"}"#
            }
            let ndjson = round % 2 == 1
            var body = Array((ndjson ? rows.joined(separator: "\n") : "[" + rows.joined(separator: ",") + "]").utf8)
            for _ in 0..<mutator.int(0...3) { mutator.mutate(&body) }
            let shown = "seed \(seed) round \(round): \(String(decoding: body.prefix(2000), as: UTF8.self))"
            let expected: Int? = ndjson ? Self.ndjsonRows(body) : Self.arrayRows(body)
            switch ExposureFeed.rows(body, ndjson: ndjson, limit: 100_000) {
            case .success(let parsed): #expect(parsed.count == expected, "\(shown)")
            case .failure(.syntax): #expect(expected == nil, "\(shown)")
            case .failure(.invalid): #expect(expected != nil && !ndjson, "not an array: \(shown)")
            }
        }
    }

    /// Pinned inputs of each kind, so that every kind runs whatever the seeds draw.
    @Test(arguments: [
        "\u{FEFF}{\"event_source_id\":\"s\",\"events\":[]}",
        #"{"event_source_id":"s","events":[{"event_id":"a","event_type":"lead","event_time":"2026-11-27T11:00:00Z","user_match":{"click_id":"c"},}]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"a","event_id":"b","event_type":"lead","event_time":"2026-11-27T11:00:00Z"}]}"#,
        #"{"event_source_id":"s","event_source_id":"t","events":[]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"a\u0000b","event_type":"lead","event_time":"2026-11-27T11:00:00Z","user_match":{"click_id":"c"}}]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"a","event_type":"lead","event_time":"2026-11-27T11:00:00Z","user_match":{"click_id":"c"},"custom_data":{"value":1e308}}]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"a","event_type":"lead","event_time":"2026-11-27T11:00:00Z","x":NaN}]}"#,
        #"{"event_source_id":"s","events":[{"event_id":"a","event_type":"lead","event_time":"2026-11-27T11:00:00Z","user_match":{"click_id":"c","click_id":"d"}}]}"#,
    ])
    func pinnedHostileInputs(_ text: String) throws {
        try DifferentialTests().compare(RequestGenerator.Request(text: text), seed: -2, round: 0)
    }

    static func arrayRows(_ body: [UInt8]) -> Int? {
        guard ReferenceStrictJSON.isValid(body) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) .map { ($0 as? [Any])?.count ?? -1 }
    }

    static func ndjsonRows(_ body: [UInt8]) -> Int? {
        guard ReferenceStrictJSON.isValidNDJSON(body) else { return nil }
        return body.split(separator: 0x0A, omittingEmptySubsequences: false)
            .filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }.count
    }
}

/// Breaks a JSON body the ways hostile input does, from a seed.
struct Mutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    private mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    private mutating func position(in body: [UInt8], of bytes: Set<UInt8>) -> Int? {
        let candidates = body.indices.filter { bytes.contains(body[$0]) }
        return candidates.isEmpty ? nil : candidates[int(0...(candidates.count - 1))]
    }

    /// A member inserted just inside a random object.
    private mutating func insertMember(_ member: [UInt8], into body: inout [UInt8]) {
        guard let open = position(in: body, of: [UInt8(ascii: "{")]) else { return }
        body.insert(contentsOf: member + [UInt8(ascii: ",")], at: open + 1)
    }

    mutating func mutate(_ body: inout [UInt8]) {
        guard !body.isEmpty else { return }
        switch int(0...11) {
        case 0:  // cut short
            body.removeLast(int(1...max(1, min(body.count, 64))))
        case 1:  // nested around the limit, or far past it
            let depth = int(0...3) == 0 ? 1_000 : int(56...70)
            insertMember(Array(#""deep":"#.utf8) + Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth), into: &body)
        case 2:  // a huge string
            insertMember(Array(#""big":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: int(1...4) * 50_000) + [UInt8(ascii: "\"")], into: &body)
        case 3:  // huge, tiny and long numbers
            let numbers = ["1e400", "-1e400", "1e-400", "1" + String(repeating: "0", count: 400), "1e308", "0.0000000000000000000001", "-0", "1E+2"]
            let name = ["n", "value", "price", "quantity", "cost"][int(0...4)]
            insertMember(Array("\"\(name)\":\(numbers[int(0...(numbers.count - 1))])".utf8), into: &body)
        case 4:  // bytes that are not UTF-8, inside a string's text
            let bad: [[UInt8]] = [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80]]
            if let at = position(in: body, of: Set(UInt8(ascii: "a")...UInt8(ascii: "z"))) { body.insert(contentsOf: bad[int(0...(bad.count - 1))], at: at) }
        case 5:  // a member repeated, plainly or with escapes
            let names = ["event_id", "event_type", "hashed_email", "click_id", "value", "events", "event_source_id", "user_match", "h\\u0061shed_email"]
            insertMember(Array("\"\(names[int(0...(names.count - 1))])\":\"alice@example.com\"".utf8), into: &body)
        case 6:  // a byte-order mark
            body.insert(contentsOf: [0xEF, 0xBB, 0xBF], at: 0)
        case 7:  // a trailing comma
            if let at = position(in: body, of: [UInt8(ascii: "}"), UInt8(ascii: "]")]) { body.insert(UInt8(ascii: ","), at: at) }
        case 8:  // an escaped control character inside a string
            let escapes = [#"\u0000"#, #"\u0007"#, #"\u001f"#, #"\u007f"#, #"\u0085"#, #"\u2028"#, #"\n"#, #"\ud800"#]
            if let at = position(in: body, of: Set(UInt8(ascii: "a")...UInt8(ascii: "z"))) { body.insert(contentsOf: Array(escapes[int(0...(escapes.count - 1))].utf8), at: at) }
        case 9:  // a flipped bit
            let at = int(0...(body.count - 1))
            body[at] ^= UInt8(1) << UInt8(int(0...7))
        case 10:  // a byte gone
            body.remove(at: int(0...(body.count - 1)))
        default:  // a structural byte inserted
            let bytes: [UInt8] = Array(#"{}[]",:"#.utf8) + [0x00, 0x20]
            body.insert(bytes[int(0...(bytes.count - 1))], at: int(0...body.count))
        }
    }
}
