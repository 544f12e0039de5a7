/// Plans a sync_event_sources call: what to create, update, keep or delete.
/// Pure; the store applies the plan in one transaction.
public enum EventSourceSync {
    public enum Action: String, Sendable, Codable {
        case created, updated, unchanged, deleted, failed
    }

    public struct Entry: Sendable, Equatable {
        public var eventSourceID: String
        public var action: Action
        /// The source as it stands after the sync (the removed one for `deleted`).
        public var source: EventSource?
        public var errors: [AdCPError]

        public init(eventSourceID: String, action: Action, source: EventSource?, errors: [AdCPError]) {
            self.eventSourceID = eventSourceID
            self.action = action
            self.source = source
            self.errors = errors
        }
    }

    public struct Plan: Sendable, Equatable {
        /// Request order first, then deletions, then the account's other sources.
        public var entries: [Entry] = []
        public var writes: [EventSource] = []
        public var deletions: [String] = []
    }

    public static func plan(
        accountID: String, existing: [EventSource], requested: [JSONValue]?,
        deleteMissing: Bool, now: Int64
    ) -> Plan {
        var plan = Plan()
        let byID = Dictionary(existing.map { ($0.eventSourceID, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        for (index, value) in (requested ?? []).enumerated() {
            switch parseSource(value, index: index) {
            case .failure(let failure):
                plan.entries.append(Entry(eventSourceID: failure.id, action: .failed, source: nil, errors: failure.errors))
            case .success(let (id, config)):
                guard seen.insert(id).inserted else {
                    plan.entries.append(Entry(
                        eventSourceID: id, action: .failed, source: nil,
                        errors: [AdCPError(.invalidRequest, "event_source_id '\(id)' appears more than once in this request",
                                           field: "event_sources[\(index)].event_source_id")]))
                    continue
                }
                if let current = byID[id] {
                    if current.managedBy == .seller {
                        plan.entries.append(Entry(
                            eventSourceID: id, action: .failed, source: current,
                            errors: [AdCPError(.permissionDenied, "event source '\(id)' is managed by the seller and cannot be changed through sync_event_sources",
                                               field: "event_sources[\(index)].event_source_id")]))
                    } else if current.config == config {
                        plan.entries.append(Entry(eventSourceID: id, action: .unchanged, source: current, errors: []))
                    } else {
                        var updated = current
                        updated.config = config
                        updated.updatedAt = now
                        plan.writes.append(updated)
                        plan.entries.append(Entry(eventSourceID: id, action: .updated, source: updated, errors: []))
                    }
                } else {
                    let created = EventSource(
                        accountID: accountID, eventSourceID: id, config: config,
                        managedBy: .buyer, createdAt: now, updatedAt: now)
                    plan.writes.append(created)
                    plan.entries.append(Entry(eventSourceID: id, action: .created, source: created, errors: []))
                }
            }
        }
        // A failed entry still names its id: it is not "missing", so it is not deleted.
        let named = Set(plan.entries.map(\.eventSourceID))
        for source in existing where !named.contains(source.eventSourceID) {
            if deleteMissing && requested != nil && source.managedBy == .buyer {
                plan.deletions.append(source.eventSourceID)
                plan.entries.append(Entry(eventSourceID: source.eventSourceID, action: .deleted, source: source, errors: []))
            }
        }
        let deleted = Set(plan.deletions)
        for source in existing where !named.contains(source.eventSourceID) && !deleted.contains(source.eventSourceID) {
            plan.entries.append(Entry(eventSourceID: source.eventSourceID, action: .unchanged, source: source, errors: []))
        }
        return plan
    }

    struct SourceFailure: Error {
        var id: String
        var errors: [AdCPError]
    }

    /// Reads one requested source, collecting every problem with it.
    static func parseSource(_ value: JSONValue, index: Int) -> Result<(String, EventSourceConfig), SourceFailure> {
        let base = "event_sources[\(index)]"
        guard case .object(let fields) = value else {
            return .failure(SourceFailure(id: "", errors: [AdCPError(.invalidRequest, "each event source must be an object", field: base)]))
        }
        var errors: [AdCPError] = []
        func fail(_ field: String, _ message: String) {
            errors.append(AdCPError(.invalidRequest, message, field: "\(base).\(field)"))
        }
        let id = fields["event_source_id"]?.stringValue ?? ""
        if fields["event_source_id"]?.stringValue == nil {
            fail("event_source_id", "event_source_id is required and must be a string")
        } else if !IdentifierRule.name.allows(id) {
            fail("event_source_id", "event_source_id must be \(IdentifierRule.name.requirement)")
        }
        var config = EventSourceConfig()
        switch fields["name"] {
        case nil, .null?: break
        case .string(let s)?: config.name = s
        default: fail("name", "name must be a string")
        }
        if let list = stringList(fields["event_types"], "event_types", fail) {
            var types: [EventType] = []
            for (i, name) in list.enumerated() {
                if let t = EventType(rawValue: name) { types.append(t) }
                else { fail("event_types[\(i)]", "'\(name)' is not an AdCP event type") }
            }
            config.eventTypes = types
        }
        if let list = stringList(fields["value_currencies"], "value_currencies", fail) {
            for (i, c) in list.enumerated() where !EventValidator.isCurrencyCode(c) {
                fail("value_currencies[\(i)]", "'\(c)' is not a 3-letter ISO 4217 code in capitals")
            }
            if Set(list).count != list.count { fail("value_currencies", "value_currencies must not repeat a currency") }
            config.valueCurrencies = list
        }
        switch fields["action_source"] {
        case nil, .null?: break
        case .string(let s)?:
            if let a = ActionSource(rawValue: s) { config.actionSource = a }
            else { fail("action_source", "'\(s)' is not an AdCP action source") }
        default: fail("action_source", "action_source must be a string")
        }
        if let list = stringList(fields["allowed_domains"], "allowed_domains", fail) {
            for (i, d) in list.enumerated() {
                let normalized = EventSourceContract.normalizeDomain(d)
                if normalized.isEmpty || normalized.contains(where: { $0 == "/" || $0 == ":" || $0 == " " }) {
                    fail("allowed_domains[\(i)]", "'\(d)' is not a domain name (use e.g. example.com, without scheme or path)")
                }
            }
            config.allowedDomains = list.map(EventSourceContract.normalizeDomain)
        }
        switch fields["surface"] {
        case nil, .null?: break
        case .object?: config.surface = fields["surface"]
        default: fail("surface", "surface must be an object")
        }
        switch fields["ext"] {
        case nil, .null?: break
        case .object?:
            config.ext = fields["ext"]
            if case .failure(let e) = AttributionWindow.from(sourceExt: config.ext) {
                fail(e.field ?? "ext.attribution_window", e.message)
            }
        default: fail("ext", "ext must be an object")
        }
        return errors.isEmpty ? .success((id, config)) : .failure(SourceFailure(id: id, errors: errors))
    }

    /// A non-empty array of strings, or nil after recording why not.
    private static func stringList(
        _ value: JSONValue?, _ field: String, _ fail: (String, String) -> Void
    ) -> [String]? {
        switch value {
        case nil, .null?: return nil
        case .array(let items)?:
            guard !items.isEmpty else { fail(field, "\(field) must hold at least one item when present"); return nil }
            var strings: [String] = []
            for (i, item) in items.enumerated() {
                guard let s = item.stringValue else { fail("\(field)[\(i)]", "\(field) items must be strings"); return nil }
                strings.append(s)
            }
            return strings
        default:
            fail(field, "\(field) must be an array of strings")
            return nil
        }
    }
}
