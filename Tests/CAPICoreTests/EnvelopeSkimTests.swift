import CAPICore
import Testing

/// The envelope pass only skims the events array (string bounds, bracket
/// depth, what lies between events); each event is then read strictly by
/// `decodeEvent`. Together they must refuse exactly what a strict pass over
/// the whole body refuses, with the error that pass meets first, and find
/// the same event ranges.
@Suite struct EnvelopeSkimTests {
    static let good = #"{"event_id":"g","event_type":"purchase"}"#

    /// What a strict pass over the whole body says: its first error, or the
    /// events' ranges (as the envelope pass found them before it skimmed).
    static func strict(_ text: String) -> Result<[Range<Int>], JSONSyntaxError> {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            var ranges: [Range<Int>] = []
            do throws(JSONSyntaxError) {
                guard try reader.peekKind() == .object else {
                    try reader.skipValue()
                    try reader.expectEnd()
                    return .success([])
                }
                try reader.readObject { (r, key) throws(JSONSyntaxError) in
                    guard key == "events", try r.peekKind() == .array else { return try r.skipValue() }
                    ranges = []
                    try r.readArray { (r, _) throws(JSONSyntaxError) in
                        let start = r.valueStart()
                        try r.skipValue()
                        ranges.append(start..<r.offset)
                    }
                }
                try reader.expectEnd()
                return .success(ranges)
            } catch {
                return .failure(error)
            }
        }
    }

    static func envelope(_ text: String, maxEvents: Int = 10_000) -> Result<LogEventBatch, LogEventDecoder.Failure> {
        Array(text.utf8).withUnsafeBufferPointer { buffer in
            Result { () throws(LogEventDecoder.Failure) in try LogEventDecoder.decodeEnvelope(buffer, maxEvents: maxEvents) }
        }
    }

    static func decode(_ text: String, maxEvents: Int = 10_000) -> Result<LogEventBatch, LogEventDecoder.Failure> {
        Result { () throws(LogEventDecoder.Failure) in try LogEventDecoder.decode(Array(text.utf8), maxEvents: maxEvents) }
    }

    static func expected(_ text: String) -> LogEventDecoder.Failure? {
        if case .failure(let e) = strict(text) { return .syntax(e) }
        return nil
    }

    /// Faults between events: the envelope pass itself refuses them, with
    /// the same message and offset a strict pass gives.
    @Test(arguments: [
        #"{"events":[{} {}]}"#, #"{"events":[{},]}"#, #"{"events":[,{}]}"#, #"{"events":[{},,{}]}"#,
        #"{"events":[{}x]}"#, #"{"events":[{}"x"]}"#, #"{"events":[{}1]}"#, #"{"events":[1 2]}"#,
        #"{"events":[{}"#, #"{"events":[{},"#, #"{"events":[{"a":"b"#, #"{"events":[{"a":[1]"#,
        #"{"events":[{"a":1}}"#, #"{"events":[{"a":1}},{}]}"#, #"{"events":[[]}"#, #"{"events":[{"a":"x"}]]}"#,
        #"{"events":[{"a":"\"}]}"#, "{\"events\":[{\"a\":\"x\u{01}\"}]}", #"{"events":[{"a":1} : {}]}"#,
        #"{"events":[{"a":"x"y"},{"b":1}]}"#, #"{"events":[]]}"#, #"{"events":[}"#, "{\"events\":[{}\n,\n]}",
    ])
    func faultsBetweenEventsFailTheEnvelopePass(_ text: String) throws {
        let want = try #require(Self.expected(text), "the strict pass must refuse \(text)")
        #expect(Self.envelope(text).failure == want, "\(text)")
        #expect(Self.decode(text).failure == want, "\(text)")
    }

    static let brokenEvents = [
        #"{"event_id":"x" "event_type":"purchase"}"#, #"{"event_id":"a\x"}"#, #"{"event_id":"\ud800"}"#,
        #"{"event_id":"\u12g4"}"#, #"{"custom_data":{"value":01}}"#, #"{"custom_data":{"value":1.}}"#,
        #"{"x":[1,]}"#, #"{"x":{"a":1,}}"#, #"{"x":[}}"#, #"{"x":{]]"#, #"{"x":tru}"#, #"{"x":nul}"#, #"{"x":-}"#,
        #"{"x":1e999}"#, #"{a:1}"#, #"{"event_id":"x",}"#, #"{"x":{"y":[{"z":[1 2]}]}}"#, "1x", "truex",
        "nulll", "-", "01", #""\x""#, "[1,]", "{,}", #"{"user_match":{"uids":[{"type":"a" "value":"b"}]}}"#,
        #"{"a":1]"#, #"["a"}"#,
    ]

    /// Faults inside an event, first, in the middle or last: the skim lets
    /// them through, and reading the event refuses them with the error a
    /// strict pass meets first.
    @Test(arguments: brokenEvents, [0, 1, 3])
    func faultsInsideAnEventFailWhenTheEventIsRead(_ broken: String, at position: Int) throws {
        var events = Array(repeating: Self.good, count: 3)
        events.insert(broken, at: position)
        let text = #"{"event_source_id":"web","events":[ "# + events.joined(separator: " ,\n") + "]}"
        let want = try #require(Self.expected(text), "the strict pass must refuse \(broken)")
        let batch = try Self.envelope(text).get()
        #expect(batch.eventRanges?.count == 4)
        #expect(Self.decode(text).failure == want, "\(broken)")

        // A run stops at the broken event and carries its error.
        let ranges = try #require(batch.eventRanges)
        let validator = EventValidator(contract: EventSourceContract(), now: 0)
        let run = Array(text.utf8).withUnsafeBufferPointer {
            ValidatedEvents($0, ranges: ranges[...], firstIndex: 0, validator: validator)
        }
        #expect(run.syntaxError.map(LogEventDecoder.Failure.syntax) == want)
        #expect(run.report.counters.received == position, "the events before it were read, none after")
    }

    /// An envelope error or too many events no longer hide broken JSON in a
    /// skimmed event: the strict pass would have met it first.
    @Test(arguments: [
        (#"{"event_source_id":7,"events":[{"a":tru}]}"#, 10),
        (#"{"events":[{"a":tru}],"event_source_id":7}"#, 10),
        (#"{"events":[{"a":tru}],"test_event_code":[]}"#, 10),
        (#"{"events":[{},{},{"a":tru}]}"#, 2),
        (#"{"events":[{},{"a":tru},{}]}"#, 2),
        (#"{"events":[{"a":tru}],"events":[{}]}"#, 10),
        (#"{"events":[{"a":tru}],"events":{}}"#, 10),
        (#"{"events":[{"a":tru}],"x":1,}"#, 10),
    ])
    func brokenEventsWinOverLaterEnvelopeFaults(_ text: String, maxEvents: Int) throws {
        let want = try #require(Self.expected(text))
        #expect(Self.envelope(text, maxEvents: maxEvents).failure == want, "\(text)")
        #expect(Self.decode(text, maxEvents: maxEvents).failure == want, "\(text)")
    }

    /// A document nests at most `JSONReader.maxNesting` containers deep,
    /// counted from its root (the envelope and `events` are two of them);
    /// the envelope pass, which counts from each event, refuses an event
    /// nested deeper than that within itself before any strict read.
    @Test func nestingLimitHoldsInTheSkim() throws {
        let inObject = { (n: Int) in #"{"events":[{"x":"# + String(repeating: "[", count: n) + String(repeating: "]", count: n) + "}]}" }
        let bare = { (n: Int) in #"{"events":[{},"# + String(repeating: "[", count: n) + String(repeating: "]", count: n) + "]}" }
        let limit = JSONReader.maxNesting
        #expect((try? Self.decode(inObject(limit - 3)).get())?.events?.count == 1, "deepest in an object")
        #expect((try? Self.decode(bare(limit - 2)).get())?.events?.count == 2, "deepest bare")
        #expect(Self.decode(inObject(limit - 2)).failure == .syntax(JSONSyntaxError(message: "nesting too deep", offset: 16 + limit - 2)))
        #expect((try? Self.envelope(inObject(limit - 3)).get())?.eventRanges?.count == 1, "skim in an object")
        #expect((try? Self.envelope(bare(limit - 2)).get())?.eventRanges?.count == 2, "skim bare")
        for text in [inObject(limit), bare(limit + 1), inObject(1000)] {
            guard case .syntax(let e) = Self.envelope(text).failure else {
                Issue.record("\(text.count) bytes nested too deep must fail the envelope pass")
                continue
            }
            #expect(e.message == "nesting too deep")
        }
    }

    static let trickyEvents = [
        #"{"event_id":"a\"b","x":"]}{[","y":"\\","z":"\\\"]"}"#,
        #"{"event_id":"\u005d\u007d\u0022","k\"]":"v"}"#,
        #"{"event_id":"é✓😀","emoji":"\ud83d\ude00","url":"https:\/\/x.test\/a?b=[1]"}"#,
        #"{ "event_id" : "spaced" ,"n":[ 1 , -2.5e+3 , true , false , null ] }"#,
        "{\r\n\t\"event_id\":\"crlf\"\r\n}",
        #"{"deep":{"a":[{"b":[[],{}]},"]"],"c":"\\\\"}}"#,
        #""a string event with [brackets] and \"quotes\"""#, "123", "-0.5e-7", "true", "null", "[]", "{}",
        #"[{"a":"]"},"[",["{"]]"#,
        #"{"event_id":"\\"}"#,
        #"{"event_id":"x\\\\\\\"y"}"#,
        #"{"long":"0123456789abcdef0123456789abcdef\"0123456789abcdef\\"}"#,
    ]

    /// Tricky strings and spacing: the skim finds the very ranges the strict
    /// pass found, at every alignment of the bytes.
    @Test(arguments: 0..<9)
    func skimFindsTheStrictRanges(shift: Int) throws {
        let text = String(repeating: " ", count: shift) + #"{"x":"\"]","events":["#
            + Self.trickyEvents.joined(separator: shift % 2 == 0 ? "," : " ,\n\t") + #"],"y":[{"]":"["}]}"#
        let want = try Self.strict(text).get()
        #expect(want.count == Self.trickyEvents.count)
        #expect(try Self.envelope(text).get().eventRanges == want)
        #expect(try Self.decode(text).get().events?.map(\.raw) == want)
    }

    /// The differential test's generated requests (escapes, unicode, nested
    /// extras, odd spacing): where a strict pass accepts a body, the ranges
    /// agree; where it refuses one, `decode` refuses it with the same error.
    @Test(arguments: 0..<8)
    func generatedRequestsAgreeWithTheStrictPass(seed: Int) throws {
        var gen = RequestGenerator(seed: UInt64(seed) &* 0x51_7CC1 &+ 3, now: 0)
        for _ in 0..<40 {
            let text = gen.request().text
            switch Self.strict(text) {
            case .success(let want):
                if case .success(let batch) = Self.envelope(text) {
                    #expect(batch.eventRanges ?? [] == want, "\(text)")
                }
            case .failure(let e):
                #expect(Self.decode(text).failure == .syntax(e), "\(text)")
            }
        }
    }

    /// A token the skim takes whole must be read to its very end.
    @Test func anEventMustFillItsRange() throws {
        let text = #"{"events":[{"event_id":"a"}, 12 ]}"#
        let bytes = Array(text.utf8)
        let range = try #require(try Self.envelope(text).get().eventRanges?.first)
        bytes.withUnsafeBufferPointer { buffer in
            #expect((try? LogEventDecoder.decodeEvent(buffer, at: range)) != nil)
            let longer = range.lowerBound..<(range.upperBound + 1)
            #expect(throws: JSONSyntaxError(message: "expected ',' or ']'", offset: range.upperBound)) {
                try LogEventDecoder.decodeEvent(buffer, at: longer)
            }
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
