import CAPICore
import Foundation
import Testing

/// The byte-level text of an event (`EventText`, spans) must hold exactly
/// what Strings decoded from the body would: escapes undone, invalid UTF-8
/// repaired, in every field the rules check or the writer stores.
@Suite struct EventTextTests {
    static let now = RFC3339.parseMilliseconds("2026-11-27T01:00:00Z") ?? 0
    static let hex = String(repeating: "ab", count: 32)

    func accept(_ eventText: String, contract: EventSourceContract = .init()) throws -> ConversionEvent {
        try accept(Array(eventText.utf8), contract: contract)
    }

    func accept(_ event: [UInt8], contract: EventSourceContract = .init()) throws -> ConversionEvent {
        let body = Array(#"{"event_source_id":"s","events":["#.utf8) + event + Array("]}".utf8)
        let incoming = try #require(try LogEventDecoder.decode(body, maxEvents: 10).events?.first)
        return try EventValidator(contract: contract, now: Self.now).validate(incoming, index: 0).get()
    }

    @Test func escapedValuesAreReadInEveryField() throws {
        let e = try accept(#"""
            {"event_id":"e\u0031\"x\\","event_type":"purch\u0061se","event_time":"2026-11-27T00:00:00Z",
             "action_source":"web\u0073ite","event_source_url":"https:\/\/Shop.Example.com\/a",
             "custom_event_name":"n\u00e9",
             "user_match":{"hashed_email":"\u0061\u0062\#(String(Self.hex.dropFirst(2)))",
               "hashed_phone":"\#(String(Self.hex.dropLast(1)))\u0062",
               "uids":[{"type":"ramp\u0069d","value":"R\/1"}],"click_id":"c\"1","click_id_type":"sc3cl\u0069d",
               "client_ip":"1.2.3.\u0034","client_user_agent":"UA \ud83d\ude00"},
             "custom_data":{"value":2,"currency":"\u0055SD","order_id":"o\u00e9\/","contents":[{"id":"\u0073"}]}}
            """#, contract: EventSourceContract(eventTypes: [.purchase], allowedDomains: ["shop.example.com"], valueCurrencies: ["USD"]))
        #expect(e.eventID == "e1\"x\\")
        #expect(e.eventType == .purchase)
        #expect(e.actionSource == .website)
        #expect(e.eventSourceURL == "https://Shop.Example.com/a")
        #expect(e.customEventName == "né")
        #expect(e.currency == "USD")
        #expect(e.orderID == "oé/")
        let ids = e.identifiers
        #expect(ids.hashedEmail == Self.hex)
        #expect(ids.hashedPhone == Self.hex)
        #expect(ids.uids == [UID(type: .rampid, value: "R/1")])
        #expect(ids.clickID == "c\"1")
        #expect(ids.clickIDType == "sc3clid")
        #expect(ids.clientIP == "1.2.3.4")
        #expect(ids.clientUserAgent == "UA 😀")
    }

    @Test func escapedNamesAreCheckedAsTheirValues() throws {
        let base = #"{"event_id":"a","event_type":"lead","event_time":"2026-11-27T00:00:00Z","#
        let badType = #"{"event_id":"a","event_type":"le\u0061ds","event_time":"2026-11-27T00:00:00Z"}"#
        let body = Array(#"{"events":["#.utf8) + Array(badType.utf8) + Array("]}".utf8)
        let incoming = try #require(try LogEventDecoder.decode(body, maxEvents: 1).events?.first)
        let failure = EventValidator(contract: .init(), now: Self.now).validate(incoming, index: 0)
        #expect(throws: EventFailure.self) { try failure.get() }
        if case .failure(let f) = failure { #expect(f.error.message == "event_type 'leads' is not an AdCP event type") }
        // A hash spelled with escapes is still 64 hex characters; one with an escaped capital is not.
        #expect((try? accept(base + #""user_match":{"hashed_email":"\u0041\u0062\#(String(Self.hex.dropFirst(2)))"}}"#)) == nil)
        #expect((try? accept(base + #""custom_data":{"currency":"\u0075SD"}}"#)) == nil)
    }

    /// Bytes that are not well-formed UTF-8 anywhere in a string refuse the
    /// batch as invalid JSON: a String would repair them to U+FFFD, and two
    /// different ids would become one.
    @Test(arguments: [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8]] as [[UInt8]])
    func invalidUTF8IsRefused(_ odd: [UInt8]) throws {
        for field in ["event_id", "other", #"\u0065vent_id"#] {
            var event = Array(#"{"\#(field)":"id"#.utf8) + odd
            event += Array(#"","event_type":"lead","event_time":"2026-11-27T00:00:00Z","user_match":{"click_id":"c"}}"#.utf8)
            let body = Array(#"{"events":["#.utf8) + event + Array("]}".utf8)
            let offset = Array(#"{"events":[{"\#(field)":"id"#.utf8).count
            #expect(throws: LogEventDecoder.Failure.syntax(JSONSyntaxError(message: "invalid UTF-8 in string", offset: offset)), "\(odd) in \(field)") {
                try LogEventDecoder.decode(body, maxEvents: 1)
            }
        }
        // Well-formed characters of every length pass, and count as one each.
        let ok = Array(#"{"events":[{"event_id":"\#(String(repeating: "é✓😀", count: 80))x","event_type":"lead","event_time":"2026-11-27T00:00:00Z","user_match":{"click_id":"c"}}]}"#.utf8)
        let incoming = try #require(try LogEventDecoder.decode(ok, maxEvents: 1).events?.first)
        #expect(incoming.eventID?.unicodeScalars.count == 241)
        let tooLong = Array(#"{"events":[{"event_id":"\#(String(repeating: "é", count: 257))","event_type":"lead","event_time":"2026-11-27T00:00:00Z","user_match":{"click_id":"c"}}]}"#.utf8)
        let long = try #require(try LogEventDecoder.decode(tooLong, maxEvents: 1).events?.first)
        #expect((try? EventValidator(contract: .init(), now: Self.now).validate(long, index: 0).get()) == nil)
    }

    @Test func emptyAndAbsentValuesStayApart() throws {
        let e = try accept(#"{"event_id":"a","event_type":"lead","event_time":"2026-11-27T00:00:00Z","user_match":{"click_id":"c","click_id_type":"","client_ip":""},"custom_data":{"order_id":""}}"#)
        #expect(e.orderID == "")
        #expect(e.currency == nil)
        #expect(e.identifiers.clickIDType == "")
        #expect(e.identifiers.clientIP == nil, "an empty client_ip is dropped")
        #expect(e.orderIDSpan?.isEmpty == true)
    }

    @Test func contentsItemsAreCheckedInOrderWithoutBeingKept() throws {
        let head = #"{"event_id":"a","event_type":"lead","event_time":"2026-11-27T00:00:00Z","user_match":{"click_id":"c"},"custom_data":{"contents":"#
        func field(_ contents: String) -> String? {
            let body = Array(#"{"events":["#.utf8) + Array((head + contents + "}}").utf8) + Array("]}".utf8)
            guard let incoming = try? LogEventDecoder.decode(body, maxEvents: 1).events?.first else { return "syntax" }
            switch EventValidator(contract: .init(), now: Self.now).validate(incoming, index: 0) {
            case .success: return nil
            case .failure(let f): return f.error.field
            }
        }
        #expect(field(#"[{"id":"a","quantity":2,"price":0},{"id":"b"}]"#) == nil)
        #expect(field(#"[{"id":"a"},{"quantity":2}]"#) == "events[0].custom_data.contents[1].id")
        #expect(field(#"[{"id":"a","quantity":1.5,"price":-1}]"#) == "events[0].custom_data.contents[0].quantity")
        #expect(field(#"[{"id":"a","price":-1},{"quantity":0}]"#) == "events[0].custom_data.contents[0].price")
        #expect(field(#"[{"id":null}]"#) == "events[0].custom_data.contents[0].id")
        #expect(field(#"[{"id":"a"},{"id":7}]"#) == "events[0].custom_data.contents[1].id")
        // A second contents member, even a null one, is a repeated name: not JSON as capi reads it.
        #expect(field(#"[{"x":1}],"contents":[{"id":"a"}]"#) == "syntax")
        #expect(field(#"[{"x":1}],"contents":null"#) == "syntax")
    }

    /// The eight-at-a-time hex check, at every position, with the bytes on
    /// both sides of each allowed range, an escaped digit and a character
    /// beyond ASCII (probe as written in JSON, and what it decodes to).
    @Test func hashesAreCheckedAtEveryPosition() throws {
        let base = #"{"event_id":"a","event_type":"lead","event_time":"2026-11-27T00:00:00Z","user_match":{"hashed_phone":""#
        let allowed = Set("0123456789abcdef")
        let probes: [(json: String, value: String)] = [
            ("0", "0"), ("9", "9"), ("a", "a"), ("f", "f"), ("/", "/"), (":", ":"), ("`", "`"), ("g", "g"),
            ("A", "A"), ("F", "F"), (" ", " "), ("~", "~"), (#"\u0030"#, "0"), (#"\u00e9"#, "\u{e9}"),
        ]
        for position in 0..<64 {
            for probe in probes {
                var hash = Array(repeating: "a", count: 64)
                hash[position] = probe.json
                let accepted = (try? accept(base + hash.joined() + #""}}"#)) != nil
                #expect(accepted == probe.value.allSatisfy(allowed.contains), "hashed_phone with \(probe.json) at \(position)")
            }
        }
        // Two bytes beyond ASCII in place of two hex digits: still 64 bytes, not hex.
        let twoByte = String(repeating: "a", count: 62) + "\u{e9}"
        #expect(twoByte.utf8.count == 64)
        #expect((try? accept(base + twoByte + #""}}"#)) == nil)
        #expect((try? accept(base + String(repeating: "a", count: 64) + #""}}"#)) != nil)
    }

    @Test func textHoldsWhatAStringWould() {
        // Every position of a non-ASCII byte, around the eight-byte steps.
        for count in 0..<20 {
            for position in 0...count {
                var bytes = Array(repeating: UInt8(ascii: "a"), count: count)
                if position < count { bytes[position] = 0xE9 }
                var text = EventText()
                let span = bytes.withUnsafeBufferPointer { text.append($0) }
                #expect(text.string(span) == String(decoding: bytes, as: UTF8.self))
                #expect(text.string(span).utf8.count == span.range.count)
            }
        }
    }
}
