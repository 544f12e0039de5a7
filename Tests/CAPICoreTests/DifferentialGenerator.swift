import CAPICore
import Foundation

/// Seeded generator of log_event requests for the differential test: mostly
/// well-formed events with realistic fields, with faults mixed in — missing
/// and mistyped fields, bad hashes and currencies, unknown and nested extra
/// members, escapes and unicode in strings, exponent numbers, nulls — and now
/// and then a broken envelope or broken JSON.
///
/// Each event carries at most one mistyped value, because which of two wrong
/// types is reported first is an implementation detail, not a rule.
struct RequestGenerator {
    struct Request {
        var text: String
        var eventTypes: [String]?
        var allowedDomains: [String]?
        var valueCurrencies: Set<String>?
        var maxEvents = 10_000
    }

    /// A JSON value that keeps member order and the exact number text.
    indirect enum J {
        case null, bool(Bool), num(String), str(String), arr([J]), obj([(String, J)])
    }

    private var rng: Xoshiro
    let now: Int64
    /// Half the events are generated without deliberate faults, so that rules
    /// late in the order (user_match, custom_data) are reached often.
    private var clean = false

    init(seed: UInt64, now: Int64) {
        rng = Xoshiro(seed: seed)
        self.now = now
    }

    // MARK: Randomness

    private mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    /// A deliberate fault: never in a clean event.
    private mutating func fault(_ p: Double) -> Bool { !clean && chance(p) }
    private mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    private mutating func pick<T>(_ xs: [T]) -> T { xs[int(0...(xs.count - 1))] }

    // MARK: Requests

    mutating func request() -> Request {
        var req = Request(text: "")
        if chance(0.3) { req.eventTypes = pick([["purchase"], ["purchase", "lead", "add_to_cart"], ["lead", "custom", "watch_milestone"]]) }
        if chance(0.3) { req.allowedDomains = pick([["example.com"], ["*.Example.com", "shop.test."], [".other.org"]]) }
        if chance(0.25) { req.valueCurrencies = pick([["USD"], ["USD", "EUR"]]) }
        let count = int(0...10)
        var events: [J] = []
        for _ in 0..<count { events.append(event()) }
        var members: [(String, J)] = [("event_source_id", .str(pick(["web", "website_pixel", "caf\u{e9}", "s \"q\""])))]
        if chance(0.2) { members.append(("test_event_code", .str("TEST\(int(1...99))"))) }
        if chance(0.2) { members.append(("idempotency_key", .str("idem-\(int(1...999_999))"))) }
        members.append(("events", .arr(events)))
        if chance(0.3) { members.append(("context", extra(depth: 0))) }
        if chance(0.2) { members.append(("ext", .obj([("vendor", .obj([("k", .arr([.num("1"), .null, .bool(true)]))]))]))) }
        members.shuffle(using: &rng)
        // Envelope faults, at most one.
        switch int(0...99) {
        case 0: members = members.map { $0.0 == "event_source_id" ? ($0.0, pick([.num("7"), .null, .arr([]), .bool(false)])) : $0 }
        case 1: members = members.map { $0.0 == "events" ? ($0.0, pick([.obj([("event_id", .str("a"))]), .str("[]"), .null])) : $0 }
        case 2: members.removeAll { $0.0 == "events" }
        case 3: members = members.map { $0.0 == "test_event_code" ? ($0.0, .num("1")) : $0 }
        case 4: req.maxEvents = max(0, count - 1)
        default: break
        }
        var text = render(.obj(members))
        // Broken JSON, or valid JSON that is not an object; not both, because
        // which of the two a parser notices first is not a rule.
        if chance(0.04) { text = breakSyntax(text) } else if chance(0.02) { text = render(.arr([.obj(members)])) }
        req.text = text
        return req
    }

    private mutating func breakSyntax(_ text: String) -> String {
        let t = text
        switch int(0...9) {
        case 0: return String(t.prefix(int(0...max(0, t.count - 1))))
        case 1: return t + pick([" x", ",", "}", " {}"])
        case 2: return String(t.dropLast()) + pick([#","bad"::1}"#, #","bad" 1}"#, #",,"bad":1}"#, ",}"])
        case 3: return t.replacingOccurrences(of: "\"event_source_id\"", with: "event_source_id")
        case 4: return String(t.dropLast()) + #","bad":"\x"}"#
        case 5: return String(t.dropLast()) + #","bad":"\ud800"}"#
        case 6: return String(t.dropLast()) + ",\"bad\":\"a\u{01}b\"}"
        case 7: return String(t.dropLast()) + pick([#","bad":01}"#, #","bad":1.}"#, #","bad":-}"#, #","bad":1e}"#, #","bad":.5}"#])
        case 8: return String(t.dropLast()) + pick([#","bad":tru}"#, #","bad":nul}"#, #","bad":'x'}"#])
        default: return String(t.dropLast()) + #","bad":[1,2,}"#
        }
    }

    // MARK: Events

    private enum TypeFault: CaseIterable { case none, member, nullItem }

    private mutating func event() -> J {
        clean = chance(0.5)
        if fault(0.03) { return pick([.num("1"), .str("event"), .null, .arr([]), .bool(true)]) }
        var m: [(String, J)] = []
        let type = fault(0.06) ? pick(["Purchase", "buy", ""]) : pick(["purchase", "purchase", "lead", "add_to_cart", "custom", "watch_milestone", "page_view"])
        if !fault(0.04) { m.append(("event_id", .str(eventID()))) }
        if !fault(0.04) { m.append(("event_type", .str(type))) }
        if !fault(0.04) { m.append(("event_time", .str(eventTime()))) }
        let website = chance(0.7)
        if website { m.append(("action_source", .str("website"))) }
        else if chance(0.5) { m.append(("action_source", .str(fault(0.3) ? pick(["Website", "tv"]) : pick(["app", "offline", "in_store"])))) }
        if website ? !fault(0.05) : chance(0.4) { m.append(("event_source_url", .str(url()))) }
        if type == "custom" ? !fault(0.2) : chance(0.05) { m.append(("custom_event_name", .str(fault(0.3) ? "" : pick(["signup_step_2", "x"])))) }
        if !chance(0.1) { m.append(("user_match", userMatch())) }
        if !chance(0.15) || type == "watch_milestone" { m.append(("custom_data", customData(watch: type == "watch_milestone"))) }
        if chance(0.3) { m.append((pick(["ext", "consent", "surface", "x_debug"]), extra(depth: 0))) }
        if chance(0.2) { m.append(("event_source_url_hint", .str("ignored"))) }
        if chance(0.15) { m.append((pick(["event_source_url", "custom_event_name", "action_source"]), .null)) }
        m = dedupe(m)
        m.shuffle(using: &rng)
        var e = J.obj(m)
        if fault(0.15) { e = mistype(e) }
        return e
    }

    /// Keeps the last of two members with one name (so no key repeats).
    private func dedupe(_ m: [(String, J)]) -> [(String, J)] {
        var seen = Set<String>()
        return m.reversed().filter { seen.insert($0.0).inserted }.reversed()
    }

    private mutating func eventID() -> String {
        switch clean ? int(4...19) : int(0...19) {
        case 0: return ""
        case 1: return String(repeating: "a", count: 256)
        case 2: return String(repeating: "\u{e9}", count: 256)
        case 3: return String(repeating: "b", count: 257)
        case 4: return "caf\u{e9}-\u{1F600}-\(int(0...9999))"
        case 5: return "quote\"back\\slash/\(int(0...9999))"
        case 6: return "tab\tnl\n\(int(0...9999))"
        case 7: return "\u{0}nul\(int(0...99))"
        default: return "order_\(int(1...10_000_000))"
        }
    }

    private mutating func eventTime() -> String {
        let ms = now - Int64(int(0...(89 * 86_400))) * 1000 - Int64(int(0...999))
        var t = RFC3339.format(milliseconds: ms)
        switch clean ? pick([1, 4, 5, 6, 8, 11, 12, 99]) : int(0...24) {
        case 0: t = RFC3339.format(milliseconds: now + 301_000)
        case 1: t = RFC3339.format(milliseconds: now + 299_000)
        case 2: t = RFC3339.format(milliseconds: now - 91 * 86_400_000)
        case 3: t = String(t.dropLast())
        case 4: t = t.replacingOccurrences(of: "T", with: " ")
        case 5: t = t.lowercased()
        case 6: t = String(t.dropLast()) + (fault(0.5) ? pick(["+24:00", "-00:60", "+0530"]) : pick(["+05:30", "-08:00", "+00:00"]))
        case 7: t = "2026-02-30T10:00:00Z"
        case 8: t = RFC3339.format(milliseconds: now - 86_400_000).prefix(19) + ".5Z"
        case 9: t = "2026-13-01T00:00:00Z"
        case 10: t = "2026-11-27T25:00:00Z"
        case 11: t = RFC3339.format(milliseconds: now - 86_400_000).prefix(17) + "60Z"
        case 12: t = RFC3339.format(milliseconds: now - 86_400_000).prefix(19) + ".123456789Z"
        case 13: t = "2026-11-27T10:00:00.Z"
        case 14: t = "1795000000"
        case 15: t = "2026-11-27"
        case 16: t = "2026-11-27T10:00Z"
        case 17: t = "2026-11-2\u{0661}T10:00:00Z"
        case 18: t = t.replacingOccurrences(of: ".", with: ",")
        default: break
        }
        return t
    }

    private mutating func url() -> String {
        if clean { return pick(["https://shop.example.com/checkout?order=1&x=%20y", "http://example.com/", "HTTPS://Shop.Example.COM/Cart", "https://sub.shop.test:8443/p#frag", "https://a.other.org"]) }
        return pick([
            "https://shop.example.com/checkout?order=1&x=%20y", "http://example.com/", "https://example.com",
            "HTTPS://Shop.Example.COM/Cart", "https://sub.shop.test:8443/p#frag", "https://user:pw@example.com/a",
            "https://example.com./thanks", "https://notexample.com/", "https://evil.org/?r=example.com",
            "ftp://example.com/file", "example.com/checkout", "https://", "https:// example.com/", "https://a.other.org",
            "https://other.org/x", "http://127.0.0.1:8080/x", "mailto:a@example.com", "https://exa\tmple.com/",
        ])
    }

    private mutating func hash() -> String {
        let hex = Array("0123456789abcdef")
        var h = String((0..<64).map { _ in pick(hex) })
        switch clean ? 99 : int(0...14) {
        case 0: h = h.uppercased()
        case 1: h = String(h.dropLast())
        case 2: h += "0"
        case 3: h = "person@example.com"
        case 4: h = String(h.dropLast()) + "g"
        case 5: h = ""
        default: break
        }
        return h
    }

    private mutating func userMatch() -> J {
        var m: [(String, J)] = []
        if chance(0.6) {
            var uids: [J] = []
            let n = fault(0.05) ? 0 : int(1...3)
            for _ in 0..<n {
                var u: [(String, J)] = []
                if !fault(0.05) { u.append(("type", .str(fault(0.05) ? pick(["RampID", "ttd", ""]) : pick(["rampid", "id5", "uid2", "maid", "other"])))) }
                if !fault(0.05) { u.append(("value", .str(fault(0.05) ? "" : "XY\(int(1000...99_999))"))) }
                if chance(0.2) { u.append(("ext", extra(depth: 1))) }
                if chance(0.1) { u.append(("atype", .num("3"))) }
                u.shuffle(using: &rng)
                uids.append(.obj(u))
            }
            m.append(("uids", .arr(uids)))
        }
        if chance(0.6) { m.append(("hashed_email", .str(hash()))) }
        if chance(0.2) { m.append(("hashed_phone", .str(hash()))) }
        if chance(0.5) {
            m.append(("click_id", .str(fault(0.05) ? "" : "clk\(int(1...999_999))")))
            if chance(0.8) { m.append(("click_id_type", .str(pick(["sc3clid", "gclid", "fbclid"])))) }
        }
        if chance(0.5) { m.append(("client_ip", .str(chance(0.05) ? "" : "203.0.113.\(int(1...254))"))) }
        if chance(0.5) { m.append(("client_user_agent", .str(chance(0.05) ? "" : "Mozilla/5.0 (X11; Linux x86_64) \u{2014} \u{1F4BB}"))) }
        if chance(0.15) { m.append((pick(["hashed_email", "click_id", "uids", "client_ip"]), .null)) }
        if chance(0.2) { m.append(("unknown_id", extra(depth: 1))) }
        m = dedupe(m)
        m.shuffle(using: &rng)
        return .obj(m)
    }

    private mutating func customData(watch: Bool) -> J {
        var m: [(String, J)] = []
        if chance(0.8) { m.append(("value", number(cents: fault(0.05) ? -int(1...999) : int(0...99_999)))) }
        if chance(0.8) { m.append(("currency", .str(fault(0.1) ? pick(["usd", "US", "USDX", "EU\u{c9}", "GBP"]) : pick(["USD", "EUR", "GBP", "JPY"])))) }
        if chance(0.5) { m.append(("order_id", .str("ORD-\(int(1...99_999_999))"))) }
        if chance(0.3) { m.append(("num_items", number(cents: fault(0.3) ? pick([150, -100]) : pick([0, 100, 300])))) }
        if watch ? !fault(0.2) : chance(0.1) {
            if chance(0.5) { m.append(("progress_percent", number(cents: fault(0.3) ? pick([10_050, -100]) : pick([0, 2500, 10_000])))) }
            else { m.append(("progress_seconds", number(cents: fault(0.3) ? -1 : pick([0, 3000, 12_345])))) }
        }
        if chance(0.5) {
            var items: [J] = []
            for _ in 0..<int(0...3) {
                var c: [(String, J)] = []
                if !fault(0.05) { c.append(("id", .str("SKU-\(int(1...9999))"))) }
                if chance(0.8) { c.append(("quantity", number(cents: fault(0.2) ? pick([0, 150]) : pick([100, 200, 100_000])))) }
                if chance(0.8) { c.append(("price", number(cents: fault(0.05) ? -5 : int(0...50_000)))) }
                if chance(0.1) { c.append(("brand", .obj([("name", .str("Acme"))]))) }
                c.shuffle(using: &rng)
                items.append(.obj(c))
            }
            m.append(("contents", .arr(items)))
        }
        if chance(0.1) { m.append(("value", .null)) }
        if chance(0.2) { m.append(("content_category", extra(depth: 1))) }
        m = dedupe(m)
        m.shuffle(using: &rng)
        return .obj(m)
    }

    /// A number `cents / 100` written in one of several equivalent forms.
    private mutating func number(cents: Int) -> J {
        let sign = cents < 0 ? "-" : ""
        let a = abs(cents)
        let whole = a / 100
        let frac = a % 100
        let fracText = frac < 10 ? "0\(frac)" : "\(frac)"
        switch int(0...6) {
        case 0 where frac == 0: return .num("\(sign)\(whole)")
        case 1: return .num("\(sign)\(a)e-2")
        case 2: return .num("\(sign)\(a)E-2")
        case 3 where whole > 0: return .num("\(sign)\(Double(a) / 100 / 10)e1")
        case 4 where a > 0: return .num("\(sign)\(a)0e-3")
        case 5: return .num("\(sign)\(whole).\(fracText)E+0")
        default: return .num("\(sign)\(whole).\(fracText)")
        }
    }

    /// An unknown member's value: nested objects and arrays of everything.
    private mutating func extra(depth: Int) -> J {
        switch int(0...(depth > 2 ? 4 : 6)) {
        case 0: return .null
        case 1: return .bool(chance(0.5))
        case 2: return .num(pick(["0", "-0", "1.5e-7", "12345678901234567890", "-2E+3", "3.14159"]))
        case 3: return .str(pick(["x", "\u{e9}t\u{e9}", "\u{1F600}", "a\"b", "line\nbreak", "\u{7f}"]))
        case 4: return .arr([])
        case 5: return .arr((0..<int(1...3)).map { _ in extra(depth: depth + 1) })
        default: return .obj((0..<int(0...3)).map { i in ("k\(i)", extra(depth: depth + 1)) })
        }
    }

    // MARK: Type faults

    /// Replaces one known member (or array item) with a value of the wrong type.
    private mutating func mistype(_ e: J) -> J {
        guard case .obj(var m) = e, !m.isEmpty else { return e }
        let i = int(0...(m.count - 1))
        let (key, value) = m[i]
        switch (key, value) {
        case ("user_match", .obj(var um)) where !um.isEmpty && chance(0.6):
            let j = int(0...(um.count - 1))
            um[j].1 = wrong(for: um[j].0, um[j].1)
            m[i].1 = .obj(um)
        case ("custom_data", .obj(var cd)) where !cd.isEmpty && chance(0.6):
            let j = int(0...(cd.count - 1))
            cd[j].1 = wrong(for: cd[j].0, cd[j].1)
            m[i].1 = .obj(cd)
        default:
            m[i].1 = wrong(for: key, value)
        }
        return .obj(m)
    }

    private mutating func wrong(for key: String, _ value: J) -> J {
        switch value {
        case .str: return pick([.num("1"), .bool(false), .obj([]), .arr([.str("x")])])
        case .num: return pick([.str("12.5"), .bool(true), .arr([])])
        case .obj: return pick([.arr([]), .str("{}"), .num("0")])
        case .arr(let items):
            if !items.isEmpty, chance(0.5) {
                var items = items
                items[int(0...(items.count - 1))] = pick([.null, .str("x"), .num("1"), .arr([])])
                return .arr(items)
            }
            return pick([.obj([]), .str("[]"), .num("2")])
        default: return value
        }
    }

    // MARK: Rendering

    private mutating func space() -> String { chance(0.9) ? "" : pick([" ", "\n", "\t ", "\r\n  "]) }

    private mutating func render(_ j: J) -> String {
        switch j {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .num(let n): return n
        case .str(let s): return quote(s)
        case .arr(let items):
            return "[" + space() + items.map { render($0) }.joined(separator: space() + "," + space()) + space() + "]"
        case .obj(let members):
            return "{" + space() + members.map { quote($0.0) + space() + ":" + space() + render($0.1) }
                .joined(separator: "," + space()) + space() + "}"
        }
    }

    /// A JSON string literal, with some characters escaped that need not be.
    private mutating func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += chance(0.5) ? "\\n" : "\\u000a"
            case "\t": out += "\\t"
            case "/": out += chance(0.3) ? "\\/" : "/"
            default:
                if scalar.value < 0x20 || (chance(0.01) && scalar.value > 0x20) {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += String(format: "\\u%04x\\u%04X", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                    } else {
                        out += String(format: chance(0.5) ? "\\u%04x" : "\\u%04X", scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// xoshiro256** seeded through SplitMix64: small, fast and reproducible.
struct Xoshiro: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }
}
