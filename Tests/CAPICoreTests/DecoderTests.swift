import CAPICore
import Testing

@Suite struct DecoderTests {
    func decode(_ text: String, maxEvents: Int = 10_000) throws(LogEventDecoder.Failure) -> LogEventBatch {
        try LogEventDecoder.decode(Array(text.utf8), maxEvents: maxEvents)
    }

    static let validValues = [
        "1", "-0.5e+3", "\"a\\\"b\"", "\"\\u00e9\"", "true", "null", "[]", "{}", "[[],[{}]]",
        #"{"a":[1,{"b":{"c":[true,false,null]}}],"d":"e"}"#, " [ 1 , 2 ] ",
    ]
    static let invalidValues = [
        "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "[", "{\"a\":", "01", "1.", "-", "tru",
        "\"\u{01}\"", "\"\\x\"", "[}", "{]", "{\"a\":1]", "[1e999]",
    ]

    /// Skipped values (unknown members, whole events in the envelope pass)
    /// are syntax-checked as strictly as read ones (RFC 8259: no trailing commas).
    @Test(arguments: validValues.map { ($0, true) } + invalidValues.map { ($0, false) })
    func skippedValuesAreSyntaxChecked(value: String, valid: Bool) {
        let body = #"{"event_source_id":"web","events":[{"event_id":"a","unknown":"# + value + "}]}"
        #expect(((try? decode(body)) != nil) == valid, "\(value)")
        // Skipped deep inside an event, and as an event of its own in the envelope pass.
        let asEvent = #"{"event_source_id":"web","events":[{"event_id":"a"},"# + value + "]}"
        #expect(((try? decode(asEvent)) != nil) == valid, "\(value)")
    }

    /// Strings are scanned eight bytes at a time: a quote, a backslash or a
    /// control character is found at every position of a word, and bytes of
    /// multi-byte characters are never mistaken for one.
    @Test(arguments: 0..<18)
    func stringsAreScannedAtEveryOffset(prefix: Int) throws {
        let lead = String(repeating: "é", count: prefix / 2) + String(repeating: "a", count: prefix % 2)
        let plain = try decode(#"{"events":[{"event_id":""# + lead + #"x"}]}"#)
        #expect(plain.events?.first?.eventID == lead + "x")
        let escaped = try decode(#"{"events":[{"event_id":""# + lead + #"\"q"}]}"#)
        #expect(escaped.events?.first?.eventID == lead + "\"q")
        #expect(throws: LogEventDecoder.Failure.self) { try decode(#"{"events":[{"event_id":""# + lead + "\u{09}x\"}]}") }
        #expect(throws: LogEventDecoder.Failure.self) { try decode(#"{"events":[{"other":""# + lead + "\u{1F}x\"}]}") }
        #expect(throws: LogEventDecoder.Failure.self) { try decode(#"{"events":[{"other":""# + lead) }
    }

    @Test func nestingIsLimited() throws {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: LogEventDecoder.Failure.self) { try decode(#"{"events":[{"x":"# + deep + "}]}") }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(try decode(#"{"events":[{"x":"# + fine + "}]}").events?.count == 1)
    }

    @Test func readsEnvelopeAndSkipsUnknownMembers() throws {
        let batch = try decode(#"{"x":{"y":[1,2,{"z":null}]},"event_source_id":"web","test_event_code":"T1","idempotency_key":"k","events":[{"event_id":"a"}]}"#)
        #expect(batch.eventSourceID == "web")
        #expect(batch.testEventCode == "T1")
        #expect(batch.idempotencyKey == "k")
        #expect(batch.events?.count == 1)
        #expect(batch.events?.first?.eventID == "a")
    }

    @Test(arguments: [
        "", "{", #"{"events":[}"#, #"{"a":1,}"#, "[1,2]x", #"{"a":"\x"}"#, #"{"a":01}"#, #"{"a":tru}"#,
        "{\"a\":\"\u{01}\"}", #"{"a":"\ud800"}"#, #"{"a":1e}"#,
    ])
    func rejectsMalformedJSON(_ text: String) {
        #expect(throws: LogEventDecoder.Failure.self) { try decode(text) }
        do {
            _ = try decode(text)
        } catch {
            if case .invalid = error, text == "[1,2]x" { return }
            guard case .syntax = error else {
                Issue.record("expected a syntax failure for \(text), got \(error)")
                return
            }
        }
    }

    @Test func decodesEscapesAndUnicode() throws {
        let batch = try decode(#"{"event_source_id":"caf\u00e9 \"q\" \ud83d\ude00 \n","events":[{"event_id":"é✓"}]}"#)
        #expect(batch.eventSourceID == "café \"q\" 😀 \n")
        #expect(batch.events?.first?.eventID == "é✓")
    }

    @Test func readsNumbersInEveryForm() throws {
        let batch = try decode(#"{"events":[{"custom_data":{"value":1.25e2,"num_items":-0,"progress_percent":1E-1,"progress_seconds":12345678901234567890}}]}"#)
        let data = try #require(batch.events?.first?.customData)
        #expect(data.value == 125)
        #expect(data.numItems == 0)
        #expect(data.progressPercent == 0.1)
        #expect(data.progressSeconds == 12345678901234567890)
    }

    @Test func envelopeOfWrongTypeNamesTheField() {
        #expect(throws: LogEventDecoder.Failure.invalid(AdCPError(.invalidRequest, "events must be an array of event objects", field: "events"))) {
            try decode(#"{"event_source_id":"s","events":{"event_id":"a"}}"#)
        }
        #expect(throws: LogEventDecoder.Failure.invalid(AdCPError(.invalidRequest, "event_source_id must be a string", field: "event_source_id"))) {
            try decode(#"{"event_source_id":7,"events":[]}"#)
        }
    }

    @Test func tooManyEventsIsRefusedWithFieldEvents() {
        do {
            _ = try decode(#"{"events":[{},{},{}]}"#, maxEvents: 2)
            Issue.record("three events must not pass a limit of two")
        } catch {
            guard case .invalid(let e) = error else { Issue.record("wrong failure \(error)"); return }
            #expect(e.field == "events")
        }
    }

    @Test func eventOfWrongShapeFailsAlone() throws {
        let batch = try decode(#"{"events":[7,{"event_id":"ok","custom_data":{"value":"ten"}},{"event_id":"b"}]}"#)
        let events = try #require(batch.events)
        #expect(events.count == 3)
        #expect(events[0].shapeError == ShapeError(path: "", expected: "an object"))
        #expect(events[1].shapeError == ShapeError(path: "custom_data.value", expected: "a number"))
        #expect(events[2].shapeError == nil)
    }

    @Test func rawRangeCoversTheEventObject() throws {
        let text = #"{"events":[ {"event_id":"a","zz":[1]} , {"event_id":"b"}]}"#
        let bytes = Array(text.utf8)
        let events = try #require(try LogEventDecoder.decode(bytes, maxEvents: 10).events)
        #expect(String(decoding: bytes[events[0].raw], as: UTF8.self) == #"{"event_id":"a","zz":[1]}"#)
        #expect(String(decoding: bytes[events[1].raw], as: UTF8.self) == #"{"event_id":"b"}"#)
    }
}

@Suite struct RFC3339Tests {
    @Test func parsesOffsetsAndFractions() {
        #expect(RFC3339.parseMilliseconds("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.parseMilliseconds("1970-01-01T01:00:00+01:00") == 0)
        #expect(RFC3339.parseMilliseconds("1969-12-31T23:59:59.5Z") == -500)
        #expect(RFC3339.parseMilliseconds("2024-02-29T12:00:00.250-05:30") == 1_709_227_800_250)
        #expect(RFC3339.parseMilliseconds("2023-02-29T12:00:00Z") == nil)
        #expect(RFC3339.parseMilliseconds("2024-01-01T24:00:00Z") == nil)
        #expect(RFC3339.parseMilliseconds("2024-01-01") == nil)
        #expect(RFC3339.parseMilliseconds("2024-01-01T00:00:00+0100") == nil)
    }

    @Test func formatsRoundTrip() {
        for ms: Int64 in [0, 1_709_227_800_250, 4_102_444_799_999, -500] {
            #expect(RFC3339.parseMilliseconds(RFC3339.format(milliseconds: ms)) == ms)
        }
        #expect(RFC3339.format(milliseconds: 1_709_227_800_250) == "2024-02-29T17:30:00.250Z")
    }
}
