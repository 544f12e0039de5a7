import CAPICore
import Testing

@Suite struct JSONReaderTests {
    func read(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            return try? reader.readNumber()
        }
    }

    /// Decimals are converted without the C library when one exact division
    /// gives the correctly rounded result; everything must equal what the
    /// standard library's correctly rounded parser says.
    @Test(arguments: [
        "0", "-0", "0.1", "0.2", "0.3", "-0.5", "1.005", "12.34", "99999.99", "0.000001", "123456789012345",
        "123456789012345678", "1234567890123456789", "12345678901234567890", "0.1234567890123456789",
        "123456789012.345", "1234567890123.456", "9007199254740993", "9007199254740993.5", "0.0000000000000000000001",
        "4.35", "1e2", "-2.5E-3", "5e-324", "1.7976931348623157e308",
    ])
    func pinnedValuesMatchTheStandardParser(_ text: String) {
        let expected = Double(text)
        #expect(read(text)?.bitPattern == expected?.bitPattern, "\(text)")
    }

    @Test func randomDecimalsMatchTheStandardParser() {
        var rng = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        for _ in 0..<50_000 {
            let intDigits = Int.random(in: 1...12, using: &rng)
            let fractionDigits = Int.random(in: 0...10, using: &rng)
            var text = Bool.random(using: &rng) ? "-" : ""
            text += String(Int.random(in: 1...9, using: &rng))
            for _ in 1..<intDigits { text += String(Int.random(in: 0...9, using: &rng)) }
            if fractionDigits > 0 {
                text += "."
                for _ in 0..<fractionDigits { text += String(Int.random(in: 0...9, using: &rng)) }
            }
            if read(text)?.bitPattern != Double(text)?.bitPattern { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    /// Member names are compared in place; one spelled with escapes still
    /// names the same member.
    @Test func escapedMemberNamesMatch() throws {
        let body = #"{"event_source_id":"s","events":[{"event\u005fid":"e1","\u0065vent_type":"lead","custom_data":{"v\u0061lue":2.5}}]}"#
        let event = try #require(try LogEventDecoder.decode(Array(body.utf8), maxEvents: 10).events?.first)
        #expect(event.eventID == "e1")
        #expect(event.eventType == "lead")
        #expect(event.customData?.value == 2.5)
    }

    /// A value read in place is the same whether or not it was spelled with escapes.
    @Test func stringBytesAreTheDecodedString() throws {
        for text in [#""2026-11-27T11:00:00Z""#, #""2026-11-27T11:00:00\u005a""#, #""a\"b\\c""#, #""é✓""#] {
            let bytes = Array(text.utf8)
            let (inPlace, decoded) = bytes.withUnsafeBufferPointer { buffer in
                var a = JSONReader(buffer)
                var b = JSONReader(buffer)
                return ((try? a.readStringBytes { Array($0) }), try? b.readString())
            }
            #expect(inPlace == decoded.map { Array($0.utf8) }, "\(text)")
        }
        let body = #"{"event_source_id":"s","events":[{"event_id":"e","event_type":"lead","event_time":"2026-11-27T11:00:00\u005a"}]}"#
        let event = try #require(try LogEventDecoder.decode(Array(body.utf8), maxEvents: 10).events?.first)
        #expect(event.eventTime == .milliseconds(RFC3339.parseMilliseconds("2026-11-27T11:00:00Z") ?? 0))
    }
}
