import CAPICore
import Foundation

/// A deliberately plain second implementation of log_event decoding and
/// rules, for the differential test only: a recursive-descent reader into
/// plain values (`ReferenceStrictJSON`), then each AdCP rule written out as
/// directly as possible.
/// It is slow and that is fine; it exists to disagree with the fast path.
enum ReferenceLogEvent {
    /// What a request comes to: refused whole, or per-event verdicts.
    enum Outcome: Equatable, CustomStringConvertible {
        case syntax
        case invalid(code: String, field: String?)
        case batch(Batch)

        var description: String {
            switch self {
            case .syntax: "syntax error"
            case .invalid(let code, let field): "invalid \(code) \(field ?? "-")"
            case .batch(let b): "batch \(b.eventSourceID ?? "nil") \(b.verdicts.count) events"
            }
        }
    }

    struct Batch: Equatable {
        var eventSourceID: String?
        var testEventCode: String?
        var idempotencyKey: String?
        var hasEvents: Bool
        var verdicts: [Verdict]
    }

    enum Verdict: Equatable, CustomStringConvertible {
        case accepted(ConversionEvent)
        case failed(index: Int, eventID: String, code: String, field: String?)

        var description: String {
            switch self {
            case .accepted(let e): "accepted \(e)"
            case .failed(let i, let id, let code, let field): "failed #\(i) id=\(id) \(code) \(field ?? "-")"
            }
        }
    }

    // MARK: Codable model

    /// Any JSON value, as `ReferenceStrictJSON` reads it.
    indirect enum Value: Equatable {
        case null, bool(Bool), number(Double), string(String), array([Value]), object(Members)
    }

    /// An object's members, looked up by name, in the order they were written.
    struct Members: Equatable {
        var names: [String] = []
        var values: [String: Value] = [:]

        subscript(name: String) -> Value? {
            get { values[name] }
            set {
                if values[name] == nil { names.append(name) }
                values[name] = newValue
            }
        }

        /// The members in the order they were written.
        var ordered: [(String, Value)] { names.compactMap { n in values[n].map { (n, $0) } } }
    }

    /// The request envelope; members kept as values so null and wrong types stay visible.
    struct Envelope {
        var eventSourceID: Value?
        var testEventCode: Value?
        var idempotencyKey: Value?
        var events: Value?
    }

    // MARK: Decoding

    static func run(_ body: [UInt8], maxEvents: Int, validator: ReferenceRules) -> Outcome {
        guard let root = ReferenceStrictJSON.parse(body) else { return .syntax }
        guard case .object(let members) = root else { return .invalid(code: "INVALID_REQUEST", field: nil) }
        let envelope = Envelope(eventSourceID: members["event_source_id"], testEventCode: members["test_event_code"],
                                idempotencyKey: members["idempotency_key"], events: members["events"])
        var batch = Batch(hasEvents: false, verdicts: [])
        var errors: [Outcome] = []
        func string(_ v: Value?, _ field: String) -> String? {
            switch v {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default:
                errors.append(.invalid(code: "INVALID_REQUEST", field: field))
                return nil
            }
        }
        batch.eventSourceID = string(envelope.eventSourceID, "event_source_id")
        batch.testEventCode = string(envelope.testEventCode, "test_event_code")
        batch.idempotencyKey = string(envelope.idempotencyKey, "idempotency_key")
        switch envelope.events {
        case nil: break
        case .array(let items)?:
            if items.count > maxEvents { return .invalid(code: "INVALID_REQUEST", field: "events") }
            batch.hasEvents = true
            batch.verdicts = items.enumerated().map { validator.validate($1, index: $0) }
        default:
            errors.append(.invalid(code: "INVALID_REQUEST", field: "events"))
        }
        // The generator puts at most one envelope fault in a request.
        if let first = errors.first { return first }
        return .batch(batch)
    }
}

/// The AdCP rules for one event, written plainly over the decoded value.
struct ReferenceRules {
    typealias Value = ReferenceLogEvent.Value
    typealias Verdict = ReferenceLogEvent.Verdict

    var eventTypes: Set<String>?
    var allowedDomains: [String]?
    var valueCurrencies: Set<String>?
    var now: Int64
    var maxAge: Int64 = 90 * 86_400_000
    var maxFuture: Int64 = 300_000

    private struct Fail: Error {
        var path: String
    }

    func validate(_ value: Value, index: Int) -> Verdict {
        var eventID = ""
        if case .object(let o) = value, case .string(let s)? = o["event_id"] { eventID = s }
        do {
            return .accepted(try check(value))
        } catch let fail as Fail {
            return .failed(
                index: index, eventID: eventID, code: "VALIDATION_ERROR",
                field: fail.path.isEmpty ? "events[\(index)]" : "events[\(index)].\(fail.path)")
        } catch {
            return .failed(index: index, eventID: eventID, code: "UNEXPECTED", field: nil)
        }
    }

    // MARK: Types

    private enum Kind { case string, number, object, array }

    /// The event's schema: which members have which JSON type.
    private static let eventMembers: [String: Kind] = [
        "event_id": .string, "event_type": .string, "event_time": .string, "action_source": .string,
        "event_source_url": .string, "custom_event_name": .string, "user_match": .object, "custom_data": .object,
    ]
    private static let userMatchMembers: [String: Kind] = [
        "hashed_email": .string, "hashed_phone": .string, "click_id": .string, "click_id_type": .string,
        "client_ip": .string, "client_user_agent": .string, "uids": .array,
    ]
    private static let customDataMembers: [String: Kind] = [
        "value": .number, "currency": .string, "order_id": .string, "num_items": .number,
        "progress_percent": .number, "progress_seconds": .number, "contents": .array,
    ]
    private static let uidMembers: [String: Kind] = ["type": .string, "value": .string]
    private static let contentMembers: [String: Kind] = ["id": .string, "quantity": .number, "price": .number]

    /// Throws for the first member, in the order written (nested objects
    /// where they stand), whose type is wrong. Null means absent, except
    /// for array items, which must be objects.
    private func checkTypes(_ v: Value) throws {
        guard case .object(let event) = v else { throw Fail(path: "") }
        for (key, member) in event.ordered {
            guard let kind = Self.eventMembers[key] else { continue }
            try checkKind(member, kind, key)
            if key == "user_match", case .object(let m) = member {
                for (key, member) in m.ordered {
                    guard let kind = Self.userMatchMembers[key] else { continue }
                    try checkKind(member, kind, "user_match." + key)
                    guard key == "uids", case .array(let items) = member else { continue }
                    try checkItems(items, Self.uidMembers, "user_match.uids")
                }
            }
            if key == "custom_data", case .object(let d) = member {
                for (key, member) in d.ordered {
                    guard let kind = Self.customDataMembers[key] else { continue }
                    try checkKind(member, kind, "custom_data." + key)
                    guard key == "contents", case .array(let items) = member else { continue }
                    try checkItems(items, Self.contentMembers, "custom_data.contents")
                }
            }
        }
    }

    private func checkItems(_ items: [Value], _ schema: [String: Kind], _ path: String) throws {
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw Fail(path: "\(path)[\(i)]") }
            for (key, member) in o.ordered {
                guard let kind = schema[key] else { continue }
                try checkKind(member, kind, "\(path)[\(i)].\(key)")
            }
        }
    }

    private func checkKind(_ v: Value, _ kind: Kind, _ path: String) throws {
        switch (kind, v) {
        case (_, .null), (.string, .string), (.number, .number), (.object, .object), (.array, .array): return
        default: throw Fail(path: path)
        }
    }

    // MARK: Rules

    private func str(_ o: ReferenceLogEvent.Members?, _ key: String) -> String? {
        if case .string(let s)? = o?[key] { return s }
        return nil
    }

    private func num(_ o: ReferenceLogEvent.Members?, _ key: String) -> Double? {
        if case .number(let n)? = o?[key] { return n }
        return nil
    }

    private func obj(_ o: ReferenceLogEvent.Members?, _ key: String) -> ReferenceLogEvent.Members? {
        if case .object(let m)? = o?[key] { return m }
        return nil
    }

    private func check(_ v: Value) throws -> ConversionEvent {
        try checkTypes(v)
        guard case .object(let e) = v else { throw Fail(path: "") }
        guard let eventID = str(e, "event_id") else { throw Fail(path: "event_id") }
        guard Self.isPrintableID(eventID, max: 256) else { throw Fail(path: "event_id") }
        guard let typeName = str(e, "event_type"), let type = EventType(rawValue: typeName) else {
            throw Fail(path: "event_type")
        }
        if let eventTypes, !eventTypes.contains(typeName) { throw Fail(path: "event_type") }
        guard let timeText = str(e, "event_time"), let time = Self.parseTime(timeText) else {
            throw Fail(path: "event_time")
        }
        guard time <= now + maxFuture, time >= now - maxAge else { throw Fail(path: "event_time") }
        var event = ConversionEvent(eventID: eventID, eventType: type, eventTime: time)
        if let name = str(e, "action_source") {
            guard let source = ActionSource(rawValue: name) else { throw Fail(path: "action_source") }
            event.actionSource = source
        }
        if let url = str(e, "event_source_url") {
            guard let host = Self.host(url), allows(host) else { throw Fail(path: "event_source_url") }
            event.eventSourceURL = url
        } else if event.actionSource == .website {
            throw Fail(path: "event_source_url")
        }
        let customName = str(e, "custom_event_name")
        if type == .custom, customName?.isEmpty ?? true { throw Fail(path: "custom_event_name") }
        event.customEventName = customName
        let data = obj(e, "custom_data")
        if type == .watchMilestone, num(data, "progress_percent") == nil, num(data, "progress_seconds") == nil {
            throw Fail(path: "custom_data")
        }
        if let m = obj(e, "user_match") { event.identifiers = try identifiers(m) }
        if let data { try applyCustomData(data, to: &event) }
        return event
    }

    /// An id: 1 to `max` characters, none of them a control character or a
    /// line or paragraph separator.
    static func isPrintableID(_ s: String, max: Int) -> Bool {
        let scalars = s.unicodeScalars
        return !scalars.isEmpty && scalars.count <= max
            && !scalars.contains { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }

    private func identifiers(_ m: ReferenceLogEvent.Members) throws -> Identifiers {
        var ids = Identifiers()
        let hex = Set("0123456789abcdef")
        if let email = str(m, "hashed_email") {
            guard email.count == 64, email.allSatisfy(hex.contains) else { throw Fail(path: "user_match.hashed_email") }
            ids.hashedEmail = email
        }
        if let phone = str(m, "hashed_phone") {
            guard phone.count == 64, phone.allSatisfy(hex.contains) else { throw Fail(path: "user_match.hashed_phone") }
            ids.hashedPhone = phone
        }
        if case .array(let items)? = m["uids"] {
            guard !items.isEmpty else { throw Fail(path: "user_match.uids") }
            for (i, item) in items.enumerated() {
                guard case .object(let u) = item else { throw Fail(path: "user_match.uids[\(i)]") }
                guard let t = str(u, "type"), let type = UIDType(rawValue: t) else {
                    throw Fail(path: "user_match.uids[\(i)].type")
                }
                guard let value = str(u, "value"), Self.isPrintableID(value, max: 1024) else {
                    throw Fail(path: "user_match.uids[\(i)].value")
                }
                ids.uids.append(UID(type: type, value: value))
            }
        }
        if let click = str(m, "click_id") {
            guard Self.isPrintableID(click, max: 1024) else { throw Fail(path: "user_match.click_id") }
            ids.clickID = click
            ids.clickIDType = str(m, "click_id_type")
        }
        if let ip = str(m, "client_ip"), !ip.isEmpty { ids.clientIP = ip }
        if let ua = str(m, "client_user_agent"), !ua.isEmpty { ids.clientUserAgent = ua }
        let matchable = ids.clickID != nil || ids.hashedEmail != nil || ids.hashedPhone != nil || !ids.uids.isEmpty
            || (ids.clientIP != nil && ids.clientUserAgent != nil)
        guard matchable else { throw Fail(path: "user_match") }
        return ids
    }

    private func applyCustomData(_ d: ReferenceLogEvent.Members, to event: inout ConversionEvent) throws {
        let value = num(d, "value")
        let currency = str(d, "currency")
        if let value, value < 0 || value > 1e12 { throw Fail(path: "custom_data.value") }
        if let order = str(d, "order_id"), !order.isEmpty, !Self.isPrintableID(order, max: 256) {
            throw Fail(path: "custom_data.order_id")
        }
        if let currency {
            let upper = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            guard currency.count == 3, currency.unicodeScalars.count == 3, currency.allSatisfy(upper.contains) else {
                throw Fail(path: "custom_data.currency")
            }
        }
        if let n = num(d, "num_items"), n < 0 || n > 1e9 || n != n.rounded() { throw Fail(path: "custom_data.num_items") }
        if let p = num(d, "progress_percent"), !(0...100).contains(p) { throw Fail(path: "custom_data.progress_percent") }
        if let s = num(d, "progress_seconds"), s < 0 || s > 1e9 { throw Fail(path: "custom_data.progress_seconds") }
        if case .array(let items)? = d["contents"] {
            for (i, item) in items.enumerated() {
                guard case .object(let c) = item else { throw Fail(path: "custom_data.contents[\(i)]") }
                guard str(c, "id") != nil else { throw Fail(path: "custom_data.contents[\(i)].id") }
                if let q = num(c, "quantity"), q < 1 || q > 1e9 || q != q.rounded() { throw Fail(path: "custom_data.contents[\(i)].quantity") }
                if let p = num(c, "price"), p < 0 || p > 1e12 { throw Fail(path: "custom_data.contents[\(i)].price") }
            }
        }
        if value != nil, let valueCurrencies {
            guard let currency, valueCurrencies.contains(currency) else { throw Fail(path: "custom_data.currency") }
        }
        event.value = value
        event.currency = currency
        event.orderID = str(d, "order_id")
    }

    private func allows(_ host: String) -> Bool {
        guard let allowedDomains else { return true }
        return allowedDomains.contains { raw in
            var d = raw.lowercased()
            if d.hasPrefix("*.") { d.removeFirst(2) }
            if d.hasPrefix(".") { d.removeFirst() }
            if d.hasSuffix(".") { d.removeLast() }
            return host == d || host.hasSuffix("." + d)
        }
    }

    /// The lowercased host of an absolute http(s) URL, through URLComponents.
    /// Foundation's URL parser, and capi's two rules beside it: no space or
    /// control character anywhere, no percent-encoding in the host.
    static func host(_ url: String) -> String? {
        guard !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else { return nil }
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(),
              scheme == "http" || scheme == "https", var host = c.host?.lowercased(),
              c.percentEncodedHost?.contains("%") != true
        else { return nil }
        if host.hasSuffix(".") { host.removeLast() }
        return host.isEmpty ? nil : host
    }

    private static let timePattern = try! NSRegularExpression(
        pattern: "^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$")

    /// RFC 3339 with an offset, through a regular expression and Calendar.
    /// Fractions are truncated to milliseconds; a leap second counts as :59.
    static func parseTime(_ text: String) -> Int64? {
        let ns = text as NSString
        guard let m = timePattern.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { return nil }
        func group(_ i: Int) -> String? {
            let r = m.range(at: i)
            return r.location == NSNotFound ? nil : ns.substring(with: r)
        }
        guard let year = group(1).flatMap({ Int($0) }), let month = group(2).flatMap({ Int($0) }),
              let day = group(3).flatMap({ Int($0) }), let hour = group(4).flatMap({ Int($0) }),
              let minute = group(5).flatMap({ Int($0) }), let second = group(6).flatMap({ Int($0) }),
              let zone = group(8)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 60 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59))
        guard let date = calendar.date(from: components),
              calendar.component(.day, from: date) == day, calendar.component(.month, from: date) == month
        else { return nil }
        var millis = 0
        if let fraction = group(7) {
            let digits = Array(fraction.dropFirst().prefix(3))
            millis = Int(String(digits) + String(repeating: "0", count: 3 - digits.count)) ?? 0
        }
        var offset = 0
        if zone != "Z", zone != "z" {
            let parts = zone.dropFirst().split(separator: ":")
            guard let h = Int(parts[0]), let mm = Int(parts[1]), h <= 23, mm <= 59 else { return nil }
            offset = (h * 60 + mm) * (zone.hasPrefix("-") ? -1 : 1)
        }
        let seconds = Int64(date.timeIntervalSince1970.rounded()) - Int64(offset * 60)
        return seconds * 1000 + Int64(millis)
    }
}
