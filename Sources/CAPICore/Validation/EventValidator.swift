/// The AdCP rules for one event plus its source's contract. Pure: the
/// clock's reading comes in as `now`.
public struct EventValidator: Sendable {
    public var contract: EventSourceContract
    /// Milliseconds since the epoch.
    public var now: Int64
    public var maxAgeMilliseconds: Int64
    public var maxFutureMilliseconds: Int64

    public init(
        contract: EventSourceContract, now: Int64,
        maxAgeSeconds: Int64 = 90 * 86_400, maxFutureSeconds: Int64 = 300
    ) {
        self.contract = contract
        self.now = now
        self.maxAgeMilliseconds = maxAgeSeconds * 1000
        self.maxFutureMilliseconds = maxFutureSeconds * 1000
    }

    /// A rule's verdict before the event's position is known.
    struct Violation: Error {
        var code: ErrorCode = .validationError
        var path: String
        var message: String
    }

    public func validate(_ event: IncomingEvent, index: Int) -> Result<ConversionEvent, EventFailure> {
        do throws(Violation) {
            return .success(try check(event))
        } catch {
            let field = error.path.isEmpty ? "events[\(index)]" : "events[\(index)].\(error.path)"
            return .failure(EventFailure(
                index: index, eventID: event.eventID ?? "",
                error: AdCPError(error.code, error.message, field: field)))
        }
    }

    func check(_ e: IncomingEvent) throws(Violation) -> ConversionEvent {
        if let shape = e.shapeError {
            let what = shape.path.isEmpty ? "Each event" : shape.path
            throw Violation(path: shape.path, message: "\(what) must be \(shape.expected)")
        }
        // event_id
        guard let eventID = e.eventID else {
            throw Violation(path: "event_id", message: "event_id is required")
        }
        let idLength = eventID.utf8.count <= 256 ? eventID.utf8.count : eventID.unicodeScalars.count
        guard idLength >= 1, idLength <= 256 else {
            throw Violation(path: "event_id", message: "event_id must be 1 to 256 characters")
        }
        // event_type
        guard let typeName = e.eventType else {
            throw Violation(path: "event_type", message: "event_type is required")
        }
        guard let eventType = EventType.named(typeName) else {
            throw Violation(path: "event_type", message: "event_type '\(typeName)' is not an AdCP event type")
        }
        if let allowed = contract.eventTypes, !allowed.contains(eventType) {
            throw Violation(
                path: "event_type",
                message: "event_type '\(typeName)' is not declared by this event source; add it with sync_event_sources")
        }
        // event_time
        guard let time = e.eventTime else {
            throw Violation(path: "event_time", message: "event_time is required")
        }
        guard case .milliseconds(let eventTime) = time else {
            throw Violation(
                path: "event_time",
                message: "event_time must be an RFC 3339 timestamp with an offset, e.g. 2026-01-15T14:30:00Z")
        }
        if eventTime > now + maxFutureMilliseconds {
            throw Violation(path: "event_time", message: "event_time is more than \(maxFutureMilliseconds / 1000) seconds in the future")
        }
        if eventTime < now - maxAgeMilliseconds {
            throw Violation(path: "event_time", message: "event_time is older than the accepted \(maxAgeMilliseconds / 86_400_000) days")
        }
        var event = ConversionEvent(eventID: eventID, eventType: eventType, eventTime: eventTime, raw: e.raw)
        // action_source and event_source_url
        if let name = e.actionSource {
            guard let source = ActionSource.named(name) else {
                throw Violation(path: "action_source", message: "action_source '\(name)' is not an AdCP action source")
            }
            event.actionSource = source
        }
        if let url = e.eventSourceURL {
            let notAURL = Violation(path: "event_source_url", message: "event_source_url must be an absolute http(s) URL")
            // The host is made a String only when there are domains to compare it with.
            if contract.allowedDomains == nil {
                guard WebURL.isWebURL(url) else { throw notAURL }
            } else {
                guard let host = WebURL.host(of: url) else { throw notAURL }
                guard contract.allowsHost(host) else {
                    throw Violation(
                        path: "event_source_url",
                        message: "event_source_url host '\(host)' is not in the event source's allowed_domains")
                }
            }
            event.eventSourceURL = url
        } else if event.actionSource == .website {
            throw Violation(path: "event_source_url", message: "event_source_url is required when action_source is 'website'")
        }
        // custom and watch_milestone
        if eventType == .custom {
            guard let name = e.customEventName, !name.isEmpty else {
                throw Violation(path: "custom_event_name", message: "custom_event_name is required when event_type is 'custom'")
            }
        }
        event.customEventName = e.customEventName
        if eventType == .watchMilestone,
           e.customData?.progressPercent == nil, e.customData?.progressSeconds == nil {
            throw Violation(
                path: "custom_data",
                message: "watch_milestone events need custom_data.progress_percent or custom_data.progress_seconds")
        }
        if let match = e.userMatch { event.identifiers = try checkUserMatch(match) }
        if let data = e.customData { try checkCustomData(data, into: &event) }
        return event
    }

    func checkUserMatch(_ m: IncomingUserMatch) throws(Violation) -> Identifiers {
        var ids = Identifiers()
        if let email = m.hashedEmail {
            guard Self.isSHA256Hex(email) else {
                throw Violation(
                    path: "user_match.hashed_email",
                    message: email.contains("@")
                        ? "hashed_email looks like a plain address; send the SHA-256 hex of the trimmed, lowercased address (raw PII is never accepted)"
                        : "hashed_email must be 64 lowercase hex characters (SHA-256)")
            }
            ids.hashedEmail = email
        }
        if let phone = m.hashedPhone {
            guard Self.isSHA256Hex(phone) else {
                throw Violation(
                    path: "user_match.hashed_phone",
                    message: "hashed_phone must be 64 lowercase hex characters: the SHA-256 of the E.164 number (raw PII is never accepted)")
            }
            ids.hashedPhone = phone
        }
        if let uids = m.uids {
            guard !uids.isEmpty else {
                throw Violation(path: "user_match.uids", message: "uids must hold at least one identifier when present")
            }
            ids.uids.reserveCapacity(uids.count)
            for (i, uid) in uids.enumerated() {
                guard let typeName = uid.type else {
                    throw Violation(path: "user_match.uids[\(i)].type", message: "uid type is required")
                }
                guard let type = UIDType.named(typeName) else {
                    throw Violation(path: "user_match.uids[\(i)].type", message: "uid type '\(typeName)' is not an AdCP uid type")
                }
                guard let value = uid.value, !value.isEmpty else {
                    throw Violation(path: "user_match.uids[\(i)].value", message: "uid value must be a non-empty string")
                }
                ids.uids.append(UID(type: type, value: value))
            }
        }
        if let clickID = m.clickID {
            guard !clickID.isEmpty else {
                throw Violation(path: "user_match.click_id", message: "click_id must not be empty")
            }
            ids.clickID = clickID
            ids.clickIDType = m.clickIDType
        }
        ids.clientIP = m.clientIP.flatMap { $0.isEmpty ? nil : $0 }
        ids.clientUserAgent = m.clientUserAgent.flatMap { $0.isEmpty ? nil : $0 }
        guard ids.isMatchable else {
            throw Violation(
                path: "user_match",
                message: "user_match needs at least one identifier: uids, hashed_email, hashed_phone, click_id, or client_ip with client_user_agent")
        }
        return ids
    }

    func checkCustomData(_ d: IncomingCustomData, into event: inout ConversionEvent) throws(Violation) {
        if let value = d.value, value < 0 {
            throw Violation(path: "custom_data.value", message: "custom_data.value must be 0 or more")
        }
        if let currency = d.currency, !Self.isCurrencyCode(currency) {
            throw Violation(path: "custom_data.currency", message: "custom_data.currency must be a 3-letter ISO 4217 code in capitals, e.g. USD")
        }
        if let numItems = d.numItems, numItems < 0 || numItems.rounded() != numItems {
            throw Violation(path: "custom_data.num_items", message: "custom_data.num_items must be a whole number, 0 or more")
        }
        if let p = d.progressPercent, p < 0 || p > 100 {
            throw Violation(path: "custom_data.progress_percent", message: "custom_data.progress_percent must be between 0 and 100")
        }
        if let s = d.progressSeconds, s < 0 {
            throw Violation(path: "custom_data.progress_seconds", message: "custom_data.progress_seconds must be 0 or more")
        }
        if let contents = d.contents {
            for (i, item) in contents.enumerated() {
                // The path is spelled out only for an item that fails.
                func path(_ field: String) -> String { "custom_data.contents[\(i)].\(field)" }
                guard item.id != nil else {
                    throw Violation(path: path("id"), message: "each contents item needs an id")
                }
                if let q = item.quantity, q < 1 || q.rounded() != q {
                    throw Violation(path: path("quantity"), message: "contents quantity must be a whole number, 1 or more")
                }
                if let price = item.price, price < 0 {
                    throw Violation(path: path("price"), message: "contents price must be 0 or more")
                }
            }
        }
        if d.value != nil, let currencies = contract.valueCurrencies {
            guard let currency = d.currency else {
                throw Violation(
                    path: "custom_data.currency",
                    message: "this event source declares value_currencies, so an event with a value must carry custom_data.currency")
            }
            guard currencies.contains(currency) else {
                throw Violation(
                    path: "custom_data.currency",
                    message: "currency \(currency) is not among the event source's value_currencies (\(currencies.sorted().joined(separator: ", ")))")
            }
        }
        event.value = d.value
        event.currency = d.currency
        event.orderID = d.orderID
    }

    static func isSHA256Hex(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in
            b.count == 64 && b.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        }
    }

    static func isCurrencyCode(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in b.count == 3 && b.allSatisfy { $0 >= 0x41 && $0 <= 0x5A } }
    }
}

extension EventValidator {
    /// `user_match`'s rules need no source contract and no clock.
    static let identifierRules = EventValidator(contract: EventSourceContract(), now: 0)

    /// The identifier rules of `user_match`, for other records that carry
    /// identifiers (exposures). Fields are named relative to the record.
    public static func identifiers(_ match: IncomingUserMatch, field prefix: String) -> Result<Identifiers, AdCPError> {
        do throws(Violation) {
            return .success(try identifierRules.checkUserMatch(match))
        } catch {
            let path = error.path.hasPrefix("user_match.") ? String(error.path.dropFirst(11)) : error.path
            return .failure(AdCPError(error.code, error.message.replacingOccurrences(of: "user_match needs", with: "identifiers need"),
                                      field: prefix.isEmpty ? path : prefix + "." + path))
        }
    }
}
