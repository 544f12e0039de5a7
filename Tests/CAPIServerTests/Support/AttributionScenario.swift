import CAPICore
import Foundation

/// A generated world with known answers: people with identifiers, exposures
/// on two accounts, and conversions each built to test one rule, with the
/// attribution it must get.
struct AttributionScenario {
    struct Expected: Equatable, CustomStringConvertible {
        var status: String
        var exposureID: String?
        var model: String?
        var matchedBy: String?
        var description: String { "\(status) \(exposureID ?? "-") \(model ?? "-") \(matchedBy ?? "-")" }
    }

    struct Conversion {
        var source: String
        var eventType = "purchase"
        var eventID: String
        var event: JSONValue
        var expected: Expected
        /// Sent only after the first attribution pass (its exposure arrives late).
        var lateExposures: [JSONValue] = []
    }

    var exposuresA: [JSONValue] = []
    var exposuresB: [JSONValue] = []
    var conversions: [Conversion] = []
    var lateExposures: [JSONValue] = []

    let now: Int64
    var rng: SeededRandom
    var serial = 0
    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000

    init(now: Int64, seed: UInt64) {
        self.now = now
        self.rng = SeededRandom(seed: seed)
    }

    mutating func next(_ prefix: String) -> String {
        serial += 1
        return "\(prefix)\(serial)"
    }

    /// A person nobody else shares an identifier with.
    mutating func person() -> [String: JSONValue] {
        let n = next("p")
        return [
            "hashed_email": .string(Self.sha(n + "@mail")),
            "hashed_phone": .string(Self.sha(n + "+phone")),
            "uids": .array(["rampid", "id5", "uid2", "euid", "pairid", "maid"].map { .object(["type": .string($0), "value": .string("\($0)-\(n)")]) }),
            "client_ip": .string("198.51.\(serial % 250).\(serial / 250 % 250)"),
            "client_user_agent": .string("UA/\(n)"),
        ]
    }

    /// 64 hex characters derived from a text (not a real SHA-256; a stable stand-in hash).
    static func sha(_ text: String) -> String {
        var state: UInt64 = 1469598103934665603
        var out = ""
        for round in 0..<4 {
            for byte in text.utf8 { state = (state ^ UInt64(byte)) &* 1099511628211 }
            state = (state ^ UInt64(round)) &* 1099511628211
            out += String(format: "%016llx", state)
        }
        return out
    }

    static func only(_ identity: [String: JSONValue], _ keys: String...) -> [String: JSONValue] {
        identity.filter { keys.contains($0.key) }
    }

    static func uid(_ identity: [String: JSONValue], _ type: String) -> [String: JSONValue] {
        let list = identity["uids"]?.arrayValue?.filter { $0["type"]?.stringValue == type } ?? []
        return ["uids": .array(list)]
    }

    mutating func exposure(
        _ kind: String, at time: Int64, ids: [String: JSONValue], account: String = "A",
        creative: (String, String, String) = ("mb_a", "pkg_1", "cr_1"), clickID: String? = nil, id: String? = nil
    ) -> (JSONValue, String) {
        let exposureID = id ?? next(kind == "click" ? "x_clk_" : "x_imp_")
        var row: [String: JSONValue] = [
            "exposure_id": .string(exposureID), "type": .string(kind),
            "media_buy_id": .string(account == "A" ? creative.0 : "mb_b"),
            "package_id": .string(account == "A" ? creative.1 : "pkg_b"),
            "creative_id": .string(account == "A" ? creative.2 : "cr_b"),
            "time": .string(RFC3339.format(milliseconds: time)), "cost": .number(0.01),
        ]
        if let clickID { row["click_id"] = .string(clickID) }
        for (k, v) in ids { row[k] = v }
        return (.object(row), exposureID)
    }

    mutating func add(_ kind: String, at time: Int64, ids: [String: JSONValue], account: String = "A",
                      clickID: String? = nil, id: String? = nil, late: Bool = false) -> String {
        let creatives = [("mb_a", "pkg_1", "cr_1"), ("mb_a", "pkg_1", "cr_2"), ("mb_a", "pkg_2", "cr_3")]
        let creative = creatives[rng.next(creatives.count)]
        let (row, exposureID) = exposure(kind, at: time, ids: ids, account: account, creative: creative, clickID: clickID, id: id)
        if late { lateExposures.append(row) } else if account == "A" { exposuresA.append(row) } else { exposuresB.append(row) }
        return exposureID
    }

    mutating func convert(
        source: String = "web", type: String = "purchase", id: String? = nil, at time: Int64,
        match: [String: JSONValue]?, value: Double = 20, expected: Expected
    ) {
        let eventID = id ?? next("order_")
        var event: [String: JSONValue] = [
            "event_id": .string(eventID), "event_type": .string(type),
            "event_time": .string(RFC3339.format(milliseconds: time)), "action_source": .string("offline"),
            "custom_data": .object(["value": .number(value), "currency": .string("USD")]),
        ]
        if let match { event["user_match"] = .object(match) }
        conversions.append(Conversion(source: source, eventType: type, eventID: eventID, event: .object(event), expected: expected))
    }

    static func attributed(_ exposure: String, _ model: String, _ by: String) -> Expected {
        Expected(status: "attributed", exposureID: exposure, model: model, matchedBy: by)
    }
    static let unattributed = Expected(status: "unattributed")

    /// Builds every case `repeats` times, plus `noise` unrelated exposures.
    static func build(now: Int64, seed: UInt64, repeats: Int, noise: Int) -> AttributionScenario {
        var s = AttributionScenario(now: now, seed: seed)
        let day = Self.day, hour = Self.hour
        for _ in 0..<noise {
            let p = s.person()
            _ = s.add(s.rng.next(4) == 0 ? "click" : "impression", at: now - Int64(s.rng.next(40)) * day - Int64(s.rng.next(24)) * hour, ids: p)
        }
        for _ in 0..<repeats {
            let base = now - Int64(10 + s.rng.next(20)) * day - Int64(s.rng.next(24)) * hour

            // 1. sc3clid: the click it names, even with a later click by email.
            do {
                let p = s.person()
                let clk = "sc3_\(s.next(""))"
                let x = s.add("click", at: base, ids: [:], clickID: clk)
                _ = s.add("click", at: base + hour, ids: only(p, "hashed_email"))
                s.convert(at: base + 2 * hour, match: ["click_id": .string(clk), "click_id_type": .string("sc3clid"), "hashed_email": p["hashed_email"]!],
                          expected: attributed(x, "click_through", "sc3clid"))
            }
            // 2. each uid type: the click beats a later impression.
            for type in ["rampid", "id5", "uid2", "euid", "pairid", "maid"] {
                let p = s.person()
                let x = s.add("click", at: base, ids: uid(p, type))
                _ = s.add("impression", at: base + hour, ids: uid(p, type))
                s.convert(at: base + 3 * hour, match: uid(p, type), expected: attributed(x, "click_through", "uid:\(type)"))
            }
            // 3. hashed email and hashed phone, view-through within a day.
            for key in ["hashed_email", "hashed_phone"] {
                let p = s.person()
                let x = s.add("impression", at: base, ids: only(p, key))
                s.convert(at: base + 10 * hour, match: only(p, key), expected: attributed(x, "view_through", key))
            }
            // 4. IP with user agent.
            do {
                let p = s.person()
                let x = s.add("click", at: base, ids: only(p, "client_ip", "client_user_agent"))
                s.convert(at: base + day, match: only(p, "client_ip", "client_user_agent"), expected: attributed(x, "click_through", "ip_ua"))
            }
            // 5. outside the windows: 29 days after a click, 2 days after an impression.
            do {
                let p = s.person()
                _ = s.add("click", at: base - 19 * day, ids: only(p, "hashed_email"))
                s.convert(at: base + 10 * day, match: only(p, "hashed_email"), expected: unattributed)
                let q = s.person()
                _ = s.add("impression", at: base, ids: only(q, "hashed_email"))
                s.convert(at: base + 2 * day, match: only(q, "hashed_email"), expected: unattributed)
            }
            // 6. an exposure after the conversion never counts.
            do {
                let p = s.person()
                _ = s.add("click", at: base + hour, ids: only(p, "hashed_email"))
                s.convert(at: base, match: only(p, "hashed_email"), expected: unattributed)
            }
            // 7. a look-alike on another account must not match.
            do {
                let p = s.person()
                _ = s.add("click", at: base, ids: only(p, "hashed_email"), account: "B")
                s.convert(at: base + hour, match: only(p, "hashed_email"), expected: unattributed)
            }
            // 8. the same conversion from two sources counts once.
            do {
                let p = s.person()
                let x = s.add("click", at: base, ids: uid(p, "rampid"))
                let id = s.next("dup_")
                s.convert(source: "web", id: id, at: base + hour, match: uid(p, "rampid"), expected: attributed(x, "click_through", "uid:rampid"))
                s.convert(source: "app", id: id, at: base + hour, match: uid(p, "rampid"), expected: Expected(status: "duplicate"))
            }
            // 9. a late exposure claims a conversion logged before it.
            do {
                let p = s.person()
                let x = s.add("click", at: base, ids: only(p, "hashed_phone"), late: true)
                s.convert(at: base + 5 * hour, match: only(p, "hashed_phone"), expected: attributed(x, "click_through", "hashed_phone"))
            }
            // 10. a source's own window: 7 days post-click on `crm`.
            do {
                let p = s.person()
                let x = s.add("click", at: base, ids: uid(p, "id5"))
                s.convert(source: "crm", at: base + 10 * day, match: uid(p, "id5"), expected: unattributed)
                s.convert(source: "web", at: base + 10 * day, match: uid(p, "id5"), expected: attributed(x, "click_through", "uid:id5"))
            }
            // 11. the latest click wins; on a tie, the smaller exposure_id.
            do {
                let p = s.person()
                _ = s.add("click", at: base, ids: only(p, "hashed_email"))
                let later = s.add("click", at: base + day, ids: only(p, "hashed_email"))
                s.convert(at: base + 2 * day, match: only(p, "hashed_email"), expected: attributed(later, "click_through", "hashed_email"))
                let q = s.person()
                let tieID = s.next("tie_")
                _ = s.add("click", at: base, ids: only(q, "hashed_email"), id: tieID + "_b")
                let first = s.add("click", at: base, ids: only(q, "hashed_email"), id: tieID + "_a")
                s.convert(at: base + hour, match: only(q, "hashed_email"), expected: attributed(first, "click_through", "hashed_email"))
            }
            // 12. another platform's click id cannot match.
            do {
                s.convert(at: base, match: ["click_id": .string("G-\(s.next(""))"), "click_id_type": .string("gclid")], expected: unattributed)
            }
            // 13. a refund is attributed like a purchase.
            do {
                let p = s.person()
                let x = s.add("click", at: base, ids: uid(p, "uid2"))
                s.convert(type: "refund", at: base + day, match: uid(p, "uid2"), expected: attributed(x, "click_through", "uid:uid2"))
            }
        }
        return s
    }
}

/// A small deterministic generator, so a failing scenario reproduces.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E3779B97F4A7C15 }
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}
