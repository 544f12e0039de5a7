import CAPICore
import Foundation
import Testing

/// Table-driven checks of every log_event rule: for each rule a valid case
/// and a breaking case, run through the real decoder and validator.
@Suite struct EventRuleTests {
    static let now = RFC3339.parseMilliseconds("2026-11-27T01:00:00Z") ?? 0
    static let hashedEmail = String(repeating: "ab", count: 32)

    static func baseEvent() -> [String: Any] {
        [
            "event_id": "e1",
            "event_type": "purchase",
            "event_time": "2026-11-27T00:00:00Z",
            "action_source": "website",
            "event_source_url": "https://shop.example.com/checkout?x=1",
            "user_match": [
                "hashed_email": hashedEmail,
                "uids": [["type": "rampid", "value": "R1"]],
                "click_id": "abc",
                "click_id_type": "sc3clid",
                "client_ip": "203.0.113.9",
                "client_user_agent": "Mozilla/5.0",
            ] as [String: Any],
            "custom_data": [
                "value": 10.5, "currency": "USD", "num_items": 2,
                "contents": [["id": "sku-1", "quantity": 1, "price": 5]],
            ] as [String: Any],
        ]
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Applied to a copy of the base event.
        var edits: [Edit]
        var contract = EventSourceContract()
        /// nil: the event must be accepted; otherwise the failing field below the event.
        var failingField: String?
        var testDescription: String { name }
    }

    enum Edit: Sendable {
        case set(String, JSONValue)
        case remove(String)
    }

    static func ok(_ name: String, _ edits: Edit..., contract: EventSourceContract = .init()) -> Case {
        Case(name: name, edits: edits, contract: contract, failingField: nil)
    }

    static func bad(_ name: String, _ field: String, _ edits: Edit..., contract: EventSourceContract = .init()) -> Case {
        Case(name: name, edits: edits, contract: contract, failingField: field)
    }

    static let cases: [Case] = [
        ok("the base event"),
        // event_id
        bad("event_id missing", "event_id", .remove("event_id")),
        bad("event_id empty", "event_id", .set("event_id", .string(""))),
        ok("event_id of 256 characters", .set("event_id", .string(String(repeating: "x", count: 256)))),
        bad("event_id of 257 characters", "event_id", .set("event_id", .string(String(repeating: "x", count: 257)))),
        bad("event_id a number", "event_id", .set("event_id", .number(12))),
        // event_type
        ok("event_type refund", .set("event_type", .string("refund"))),
        bad("event_type unknown", "event_type", .set("event_type", .string("buy"))),
        bad("event_type missing", "event_type", .remove("event_type")),
        // event_time
        ok("event_time with offset", .set("event_time", .string("2026-11-27T02:00:00+02:00"))),
        ok("event_time with fraction", .set("event_time", .string("2026-11-27T00:00:00.123Z"))),
        bad("event_time without offset", "event_time", .set("event_time", .string("2026-11-27T00:00:00"))),
        bad("event_time not a date", "event_time", .set("event_time", .string("2026-02-30T00:00:00Z"))),
        bad("event_time missing", "event_time", .remove("event_time")),
        ok("event_time 4 minutes ahead", .set("event_time", .string("2026-11-27T01:04:00Z"))),
        bad("event_time 6 minutes ahead", "event_time", .set("event_time", .string("2026-11-27T01:06:00Z"))),
        ok("event_time 89 days old", .set("event_time", .string("2026-08-30T01:00:00Z"))),
        bad("event_time 91 days old", "event_time", .set("event_time", .string("2026-08-28T01:00:00Z"))),
        // action_source and event_source_url
        bad("action_source unknown", "action_source", .set("action_source", .string("web"))),
        ok("app needs no URL", .set("action_source", .string("app")), .remove("event_source_url")),
        bad("website needs a URL", "event_source_url", .remove("event_source_url")),
        bad("URL not http(s)", "event_source_url", .set("event_source_url", .string("ftp://example.com/x"))),
        bad("URL not absolute", "event_source_url", .set("event_source_url", .string("example.com/x"))),
        // custom, watch_milestone
        ok("custom with a name", .set("event_type", .string("custom")), .set("custom_event_name", .string("quiz_done"))),
        bad("custom without a name", "custom_event_name", .set("event_type", .string("custom"))),
        ok("watch_milestone with seconds", .set("event_type", .string("watch_milestone")), .set("custom_data.progress_seconds", .number(30))),
        bad("watch_milestone without progress", "custom_data", .set("event_type", .string("watch_milestone"))),
        // user_match
        ok("no user_match at all", .remove("user_match")),
        bad("user_match without identifiers", "user_match", .set("user_match", .object([:]))),
        bad("client_ip alone", "user_match", .set("user_match", .object(["client_ip": .string("203.0.113.9")]))),
        ok("client_ip with user agent", .set("user_match", .object(["client_ip": .string("203.0.113.9"), "client_user_agent": .string("UA")]))),
        bad("plain email address", "user_match.hashed_email", .set("user_match.hashed_email", .string("alice@example.com"))),
        bad("uppercase hex email hash", "user_match.hashed_email", .set("user_match.hashed_email", .string(String(repeating: "AB", count: 32)))),
        bad("plain phone number", "user_match.hashed_phone", .set("user_match.hashed_phone", .string("+12065551234"))),
        ok("hashed phone", .set("user_match.hashed_phone", .string(String(repeating: "0f", count: 32)))),
        bad("empty uids", "user_match.uids", .set("user_match.uids", .array([]))),
        bad("unknown uid type", "user_match.uids[0].type", .set("user_match.uids", .array([.object(["type": .string("cookie"), "value": .string("c")])]))),
        bad("empty uid value", "user_match.uids[0].value", .set("user_match.uids", .array([.object(["type": .string("id5"), "value": .string("")])]))),
        ok("id5 uid", .set("user_match.uids", .array([.object(["type": .string("id5"), "value": .string("ID5*x")])]))),
        // custom_data
        bad("negative value", "custom_data.value", .set("custom_data.value", .number(-1))),
        bad("value as a string", "custom_data.value", .set("custom_data.value", .string("10"))),
        bad("lowercase currency", "custom_data.currency", .set("custom_data.currency", .string("usd"))),
        bad("negative num_items", "custom_data.num_items", .set("custom_data.num_items", .number(-1))),
        bad("fractional num_items", "custom_data.num_items", .set("custom_data.num_items", .number(1.5))),
        bad("contents item without id", "custom_data.contents[0].id", .set("custom_data.contents", .array([.object(["quantity": .number(1)])]))),
        bad("contents quantity 0", "custom_data.contents[0].quantity", .set("custom_data.contents", .array([.object(["id": .string("a"), "quantity": .number(0)])]))),
        bad("contents negative price", "custom_data.contents[0].price", .set("custom_data.contents", .array([.object(["id": .string("a"), "price": .number(-2)])]))),
        bad("progress_percent over 100", "custom_data.progress_percent", .set("custom_data.progress_percent", .number(101))),
        ok("progress_percent 100", .set("custom_data.progress_percent", .number(100))),
        // unknown fields are kept, not rejected
        ok("unknown fields", .set("partner_ref", .object(["a": .array([.number(1), .null, .bool(true)])])), .set("user_match.ext", .object(["k": .string("v")]))),
        // the source's contract
        ok("event type declared by the source", contract: EventSourceContract(eventTypes: [.purchase, .lead])),
        bad("event type not declared by the source", "event_type", contract: EventSourceContract(eventTypes: [.lead])),
        ok("subdomain of an allowed domain", contract: EventSourceContract(allowedDomains: ["example.com"])),
        bad("look-alike domain", "event_source_url", .set("event_source_url", .string("https://evilexample.com/")), contract: EventSourceContract(allowedDomains: ["example.com"])),
        bad("allowed domain as a prefix", "event_source_url", .set("event_source_url", .string("https://example.com.evil.io/")), contract: EventSourceContract(allowedDomains: ["example.com"])),
        ok("currency among value_currencies", contract: EventSourceContract(valueCurrencies: ["USD", "EUR"])),
        bad("currency not among value_currencies", "custom_data.currency", contract: EventSourceContract(valueCurrencies: ["EUR"])),
        bad("value without currency when currencies are declared", "custom_data.currency", .remove("custom_data.currency"), contract: EventSourceContract(valueCurrencies: ["USD"])),
    ]

    @Test(arguments: cases)
    func rule(_ c: Case) throws {
        var event = JSONValue.fromAny(Self.baseEvent())
        for edit in c.edits { event.apply(edit) }
        let body = Array(#"{"event_source_id":"s","events":["#.utf8) + Array(event.canonicalText.utf8) + Array("]}".utf8)
        let batch = try LogEventDecoder.decode(body, maxEvents: 10)
        let incoming = try #require(batch.events?.first)
        let validator = EventValidator(contract: c.contract, now: Self.now)
        switch validator.validate(incoming, index: 3) {
        case .success(let accepted):
            #expect(c.failingField == nil, "accepted, but \(c.failingField ?? "") should have failed")
            #expect(Array(body[accepted.raw]) == Array(event.canonicalText.utf8), "raw bytes keep the whole event")
        case .failure(let failure):
            #expect(failure.error.field == c.failingField.map { "events[3].\($0)" }, "\(failure.error.message)")
            #expect(failure.error.code == "VALIDATION_ERROR")
            #expect(!failure.error.message.isEmpty)
        }
    }

    @Test func plainAddressMessageSaysRawPIIIsRefused() throws {
        var event = JSONValue.fromAny(Self.baseEvent())
        event.apply(.set("user_match.hashed_email", .string("Alice@Example.com")))
        let body = Array(#"{"event_source_id":"s","events":["#.utf8) + Array(event.canonicalText.utf8) + Array("]}".utf8)
        let incoming = try #require(try LogEventDecoder.decode(body, maxEvents: 10).events?.first)
        guard case .failure(let f) = EventValidator(contract: .init(), now: Self.now).validate(incoming, index: 0) else {
            Issue.record("a plain address must be refused")
            return
        }
        #expect(f.error.message.contains("raw PII is never accepted"))
        #expect(!f.error.message.contains("Alice"), "the refused address is not echoed back")
    }
}

extension JSONValue {
    static func fromAny(_ any: Any) -> JSONValue {
        switch any {
        case let s as String: return .string(s)
        case let b as Bool: return .bool(b)
        case let i as Int: return .number(Double(i))
        case let d as Double: return .number(d)
        case let a as [Any]: return .array(a.map(fromAny))
        case let o as [String: Any]: return .object(o.mapValues(fromAny))
        default: return .null
        }
    }

    /// Applies a dotted-path edit (`a.b`); only objects are walked.
    mutating func apply(_ edit: EventRuleTests.Edit) {
        switch edit {
        case .set(let path, let value): set(path.split(separator: ".").map(String.init)[...], value)
        case .remove(let path): set(path.split(separator: ".").map(String.init)[...], nil)
        }
    }

    private mutating func set(_ path: ArraySlice<String>, _ value: JSONValue?) {
        guard case .object(var fields) = self, let head = path.first else { return }
        if path.count == 1 {
            fields[head] = value
        } else {
            var child = fields[head] ?? .object([:])
            child.set(path.dropFirst(), value)
            fields[head] = child
        }
        self = .object(fields)
    }
}
