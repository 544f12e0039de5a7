/// AdCP event-source health (core/event-source-health.json), derived from
/// counters by documented thresholds.
public struct EventSourceHealth: Sendable, Equatable {
    public enum Status: String, Sendable, Comparable {
        case insufficient, minimum, good, excellent

        var rank: Int { [.insufficient, .minimum, .good, .excellent].firstIndex(of: self) ?? 0 }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public struct Issue: Sendable, Equatable {
        public enum Severity: String, Sendable {
            case error, warning, info
            var order: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
        }
        public var severity: Severity
        public var code: String
        public var message: String
    }

    public var status: Status
    public var matchRate: Double?
    public var lastEventAt: Int64?
    public var evaluatedAt: Int64
    public var eventsReceived24h: Int
    public var issues: [Issue]

    /// The thresholds, in one place for the README:
    /// - `insufficient`: no production event in 24 hours, or fewer than
    ///   `minimumEvents` valid events in 7 days.
    /// - `excellent`: match rate ≥ 0.30, failures < 2 %, identifiers on ≥ 90 % of events.
    /// - `good`: match rate ≥ 0.10, failures < 10 %, identifiers on ≥ 50 % of events.
    /// - `minimum`: anything else with enough events.
    public static let minimumEvents = 10

    /// - Parameters: `day` and `week` are the counters of the last 24 hours and 7 days.
    public static func assess(day: SourceCounters, week: SourceCounters, now: Int64) -> EventSourceHealth {
        var issues: [Issue] = []
        let accepted = week.accepted
        let matchRate = accepted > 0 ? min(1, Double(week.attributed) / Double(accepted)) : nil
        let failureRate = week.received > 0 ? Double(week.failed) / Double(week.received) : 0
        let duplicateRate = accepted > 0 ? Double(week.duplicates) / Double(accepted) : 0
        let identified = accepted > 0 ? 1 - Double(week.unmatchable) / Double(accepted) : 0

        if day.received == 0 {
            issues.append(Issue(severity: .error, code: "no_recent_events",
                                message: "No production events in the last 24 hours: check that the integration is still sending to this event source."))
        }
        if accepted > 0 && identified < 0.8 {
            issues.append(Issue(severity: .warning, code: "missing_identifiers",
                                message: "\(percent(1 - identified)) of events carry no user_match identifier and cannot be attributed; send the sc3clid, a uid, or a hashed email."))
        }
        if week.received > 0 && failureRate >= 0.05 {
            issues.append(Issue(severity: failureRate >= 0.25 ? .error : .warning, code: "high_failure_rate",
                                message: "\(percent(failureRate)) of events were refused in the last 7 days; read partial_failures in the log_event responses."))
        }
        if accepted > 0 && duplicateRate >= 0.2 {
            issues.append(Issue(severity: .warning, code: "high_duplicate_rate",
                                message: "\(percent(duplicateRate)) of events were duplicates of events already received; resend only on failure, with the same event_id."))
        }
        if week.foreignClicks > 0 {
            issues.append(Issue(severity: .warning, code: "foreign_click_ids",
                                message: "\(week.foreignClicks) events carry only another platform's click id (gclid, fbclid…), which cannot match here; send the sc3clid from the landing URL."))
        }
        if week.valuedWithoutCurrency > 0 {
            issues.append(Issue(severity: .warning, code: "currency_missing",
                                message: "\(week.valuedWithoutCurrency) events have a value but no currency, so they count toward no ROAS; add custom_data.currency (and value_currencies on the source)."))
        }
        issues.sort { $0.severity.order < $1.severity.order }

        let status: Status
        if day.received == 0 || accepted < minimumEvents {
            status = .insufficient
        } else if let m = matchRate, m >= 0.30, failureRate < 0.02, identified >= 0.9 {
            status = .excellent
        } else if let m = matchRate, m >= 0.10, failureRate < 0.10, identified >= 0.5 {
            status = .good
        } else {
            status = .minimum
        }
        return EventSourceHealth(
            status: status, matchRate: matchRate.map { ($0 * 10_000).rounded() / 10_000 },
            lastEventAt: week.lastEventAt ?? day.lastEventAt, evaluatedAt: now,
            eventsReceived24h: day.received, issues: Array(issues.prefix(5)))
    }

    static func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }
}

/// The AdCP wire form (`health` of an event source).
extension EventSourceHealth: Encodable {
    enum CodingKeys: String, CodingKey {
        case status, evaluated_at, events_received_24h, issues, match_rate, last_event_at
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(RFC3339.format(milliseconds: evaluatedAt), forKey: .evaluated_at)
        try c.encode(eventsReceived24h, forKey: .events_received_24h)
        try c.encode(issues, forKey: .issues)
        try c.encodeIfPresent(matchRate, forKey: .match_rate)
        try c.encodeIfPresent(lastEventAt.map { RFC3339.format(milliseconds: $0) }, forKey: .last_event_at)
    }
}

extension EventSourceHealth.Issue: Encodable {
    enum CodingKeys: String, CodingKey { case severity, code, message }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(severity.rawValue, forKey: .severity)
        try c.encode(code, forKey: .code)
        try c.encode(message, forKey: .message)
    }
}
