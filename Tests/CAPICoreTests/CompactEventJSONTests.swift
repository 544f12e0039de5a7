@testable import CAPICore
import Testing

/// The stored form of an event's JSON gives back the event byte for byte,
/// whatever it holds, and is smaller for the events senders send.
@Suite struct CompactEventJSONTests {
    func stored(_ json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        json.withUnsafeBufferPointer { CompactEventJSON.append($0, to: &out) }
        return out
    }

    func expanded(_ stored: [UInt8]) -> [UInt8] {
        stored.withUnsafeBufferPointer { CompactEventJSON.expand($0) }
    }

    @Test func everyPatternShrinksAndComesBack() {
        for (key, values) in CompactEventJSON.keys {
            for pattern in [key] + values.map({ key + $0 }) {
                let json = Array(#"{"a":1,\#(pattern)x","z":[]}"#.utf8)
                let s = stored(json)
                #expect(s.first == CompactEventJSON.marker, "\(pattern)")
                #expect(s.count <= json.count + 1 - (pattern.utf8.count - 2), "\(pattern) takes at most two bytes")
                #expect(expanded(s) == json, "\(pattern)")
            }
        }
    }

    @Test func aTypicalEventTakesLittleMoreThanHalf() {
        let json = Array(#"""
            {"event_id":"ord-1029384756","event_type":"purchase","event_time":"2026-11-26T10:11:12.345Z","action_source":"website",\#
            "event_source_url":"https://shop.example.com/checkout/done","user_match":{"uids":[{"type":"rampid","value":"XYa8Bc7dE6fG5hI4jK3l"},\#
            {"type":"id5","value":"ID5*Qw9Er8Ty7Ui6Op5A"}],"hashed_email":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",\#
            "click_id":"Zx8Cv7Bn6Ma5Sd4F","click_id_type":"sc3clid","client_ip":"203.0.113.7",\#
            "client_user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148"},\#
            "custom_data":{"value":129.5,"currency":"USD","order_id":"ORD-48151623","contents":[{"id":"SKU-1234","quantity":1,"price":99.5},\#
            {"id":"SKU-5678","quantity":2,"price":15}]}}
            """#.utf8)
        let s = stored(json)
        #expect(Double(s.count) < Double(json.count) * 0.6, "\(s.count) of \(json.count) bytes")
        #expect(expanded(s) == json)
    }

    /// Generated requests (escapes, unicode, odd members, broken JSON too)
    /// and byte soups built from the patterns' own pieces.
    @Test(arguments: 1...4)
    func anythingComesBackExactly(seed: Int) {
        var generator = RequestGenerator(seed: UInt64(seed), now: 1_780_000_000_000)
        var rng = Xoshiro(seed: UInt64(seed) &* 7919)
        let pieces = CompactEventJSON.keys.flatMap { [$0.key] + $0.values } + ["\"", "{", ":", ",", "\\\"", "é", " ", "\n", "\u{1F600}"]
        for _ in 0..<200 {
            let json = Array(generator.request().text.utf8)
            #expect(expanded(stored(json)) == json)
            var soup: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                let piece = Array(pieces[Int.random(in: 0..<pieces.count, using: &rng)].utf8)
                // Now and then only the start of a piece: a pattern cut short.
                soup += Bool.random(using: &rng) ? piece : Array(piece.prefix(Int.random(in: 0...piece.count, using: &rng)))
            }
            let s = stored(soup)
            #expect(s.first == CompactEventJSON.marker)
            #expect(expanded(s) == soup, "\(String(decoding: soup, as: UTF8.self))")
        }
    }

    @Test func inputHoldingATokenByteIsStoredAsItIs() {
        for byte: UInt8 in [0x00, 0x01, 0x05, 0x1F] {
            let json = Array(#"{"event_id":"a"#.utf8) + [byte] + Array(#"","event_type":"purchase"}"#.utf8)
            let s = stored(json)
            #expect(s == json, "byte \(byte)")
            #expect(expanded(s) == json)
        }
    }

    @Test func payloadsStoredBeforeAreReadAsTheyAre() {
        let json = Array(#" {"event_id":"old","event_type":"lead"}"#.utf8)
        let read = json.withUnsafeBufferPointer { CompactEventJSON.withJSON($0) { Array($0) } }
        #expect(read == json)
        #expect(expanded(json) == json)
    }

    @Test func emptyInputStaysEmpty() {
        #expect(stored([]) == [CompactEventJSON.marker] || stored([]).isEmpty)
        #expect(expanded(stored([])).isEmpty)
    }
}
