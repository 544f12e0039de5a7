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
        let text = e.text
        // event_id
        guard let eventID = e.eventIDSpan else {
            throw Violation(path: "event_id", message: "event_id is required")
        }
        guard text.withBytes(eventID, IdentifierRule.eventID.allows) else {
            throw Violation(path: "event_id", message: "event_id must be \(IdentifierRule.eventID.requirement)")
        }
        // event_type
        guard let typeName = e.eventTypeSpan else {
            throw Violation(path: "event_type", message: "event_type is required")
        }
        guard let eventType = text.withBytes(typeName, EventType.named) else {
            throw Violation(path: "event_type", message: "event_type '\(text.string(typeName))' is not an AdCP event type")
        }
        if let allowed = contract.eventTypes, !allowed.contains(eventType) {
            throw Violation(
                path: "event_type",
                message: "event_type '\(text.string(typeName))' is not declared by this event source; add it with sync_event_sources")
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
        var event = ConversionEvent(text: text, eventID: eventID, eventType: eventType, eventTime: eventTime, raw: e.raw)
        // action_source and event_source_url
        if let name = e.actionSourceSpan {
            guard let source = text.withBytes(name, ActionSource.named) else {
                throw Violation(path: "action_source", message: "action_source '\(text.string(name))' is not an AdCP action source")
            }
            event.actionSource = source
        }
        if let url = e.eventSourceURLSpan {
            let notAURL = Violation(path: "event_source_url", message: "event_source_url must be an absolute http(s) URL")
            guard let hostRange = text.withBytes(url, WebURL.hostRange) else { throw notAURL }
            // The host is made a String only when there are domains to compare it with.
            if contract.allowedDomains != nil {
                let host = text.withBytes(url) { WebURL.host(in: $0, at: hostRange) }
                guard contract.allowsHost(host) else {
                    throw Violation(
                        path: "event_source_url",
                        message: "event_source_url host '\(host)' is not in the event source's allowed_domains")
                }
            }
        } else if event.actionSource == .website {
            throw Violation(path: "event_source_url", message: "event_source_url is required when action_source is 'website'")
        }
        // custom and watch_milestone
        if eventType == .custom {
            guard let name = e.customEventNameSpan, !name.isEmpty else {
                throw Violation(path: "custom_event_name", message: "custom_event_name is required when event_type is 'custom'")
            }
        }
        if eventType == .watchMilestone,
           e.customData?.progressPercent == nil, e.customData?.progressSeconds == nil {
            throw Violation(
                path: "custom_data",
                message: "watch_milestone events need custom_data.progress_percent or custom_data.progress_seconds")
        }
        if let match = e.userMatch { event.identifierSpans = try checkUserMatch(match, in: text) }
        if let data = e.customData { try checkCustomData(data, in: text) }
        // The values stay where they are, in the text the event shares.
        event.eventSourceURLSpan = e.eventSourceURLSpan
        event.customEventNameSpan = e.customEventNameSpan
        event.currencySpan = e.customData?.currencySpan
        event.orderIDSpan = e.customData?.orderIDSpan
        event.value = e.customData?.value
        return event
    }

    /// The `user_match` rules, on the identifiers' bytes in `text`; returns
    /// the spans to keep (empty IP or user agent dropped, click_id_type only with a click_id).
    func checkUserMatch(_ m: IdentifierSpans, in text: EventText) throws(Violation) -> IdentifierSpans {
        var ids = IdentifierSpans()
        if let email = m.hashedEmail {
            guard text.withBytes(email, Self.isSHA256Hex) else {
                throw Violation(
                    path: "user_match.hashed_email",
                    message: text.string(email).contains("@")
                        ? "hashed_email looks like a plain address; send the SHA-256 hex of the trimmed, lowercased address (raw PII is never accepted)"
                        : "hashed_email must be 64 lowercase hex characters (SHA-256)")
            }
            ids.hashedEmail = email
        }
        if let phone = m.hashedPhone {
            guard text.withBytes(phone, Self.isSHA256Hex) else {
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
            for (i, uid) in uids.enumerated() {
                guard let typeName = uid.type else {
                    throw Violation(path: "user_match.uids[\(i)].type", message: "uid type is required")
                }
                guard text.withBytes(typeName, UIDType.named) != nil else {
                    throw Violation(path: "user_match.uids[\(i)].type", message: "uid type '\(text.string(typeName))' is not an AdCP uid type")
                }
                guard let value = uid.value, !value.isEmpty else {
                    throw Violation(path: "user_match.uids[\(i)].value", message: "uid value must be a non-empty string")
                }
                guard text.withBytes(value, IdentifierRule.token.allows) else {
                    throw Violation(path: "user_match.uids[\(i)].value", message: "uid value must be \(IdentifierRule.token.requirement)")
                }
            }
            // Every item passed: the array is kept as it is, not copied.
            ids.uids = uids
        }
        if let clickID = m.clickID {
            guard !clickID.isEmpty else {
                throw Violation(path: "user_match.click_id", message: "click_id must not be empty")
            }
            guard text.withBytes(clickID, IdentifierRule.token.allows) else {
                throw Violation(path: "user_match.click_id", message: "click_id must be \(IdentifierRule.token.requirement)")
            }
            ids.clickID = clickID
            ids.clickIDType = m.clickIDType
        }
        ids.clientIP = m.clientIP.flatMap { $0.isEmpty ? nil : $0 }
        ids.clientUserAgent = m.clientUserAgent.flatMap { $0.isEmpty ? nil : $0 }
        guard ids.presence(in: text).isMatchable else {
            throw Violation(
                path: "user_match",
                message: "user_match needs at least one identifier: uids, hashed_email, hashed_phone, click_id, or client_ip with client_user_agent")
        }
        return ids
    }

    func checkCustomData(_ d: IncomingCustomData, in text: EventText) throws(Violation) {
        if let value = d.value, !(0...AmountLimits.maxMoney).contains(value) {
            throw Violation(path: "custom_data.value", message: "custom_data.value must be \(AmountLimits.moneyRange)")
        }
        // An empty order_id is as good as none; any other is an id.
        if let orderID = d.orderIDSpan, !orderID.isEmpty, !text.withBytes(orderID, IdentifierRule.name.allows) {
            throw Violation(path: "custom_data.order_id", message: "custom_data.order_id must be \(IdentifierRule.name.requirement)")
        }
        if let currency = d.currencySpan, !text.withBytes(currency, Self.isCurrencyCode) {
            throw Violation(path: "custom_data.currency", message: "custom_data.currency must be a 3-letter ISO 4217 code in capitals, e.g. USD")
        }
        if let numItems = d.numItems, numItems < 0 || numItems > AmountLimits.maxCount || numItems.rounded() != numItems {
            throw Violation(path: "custom_data.num_items", message: "custom_data.num_items must be a whole number from 0 to 1,000,000,000")
        }
        if let p = d.progressPercent, p < 0 || p > 100 {
            throw Violation(path: "custom_data.progress_percent", message: "custom_data.progress_percent must be between 0 and 100")
        }
        if let s = d.progressSeconds, !(0...AmountLimits.maxCount).contains(s) {
            throw Violation(path: "custom_data.progress_seconds", message: "custom_data.progress_seconds must be 0 to 1,000,000,000")
        }
        if let problem = d.contentsProblem {
            let path = "custom_data.contents[\(problem.index)].\(problem.field.rawValue)"
            switch problem.field {
            case .id: throw Violation(path: path, message: "each contents item needs an id")
            case .quantity: throw Violation(path: path, message: "contents quantity must be a whole number from 1 to 1,000,000,000")
            case .price: throw Violation(path: path, message: "contents price must be \(AmountLimits.moneyRange)")
            }
        }
        if d.value != nil, let currencies = contract.valueCurrencies {
            // A String (three letters: no allocation), for the set's own equality.
            guard let currency = text.string(d.currencySpan) else {
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
    }

    /// The field of a contents item that breaks a rule, checked in this order;
    /// nil when the item passes. The decoder applies it as it reads each
    /// item, so the items need not be kept.
    static func contentsItemProblem(hasID: Bool, quantity: Double?, price: Double?) -> ContentsProblem.Field? {
        guard hasID else { return .id }
        if let q = quantity, q < 1 || q > AmountLimits.maxCount || q.rounded() != q { return .quantity }
        if let price, !(0...AmountLimits.maxMoney).contains(price) { return .price }
        return nil
    }

    /// 64 bytes of `0-9a-f`, checked eight at a time: it runs for every
    /// hashed email and phone.
    static func isSHA256Hex(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count == 64, let base = b.baseAddress else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high = ones &* 0x80
        let raw = UnsafeRawPointer(base)
        for i in stride(from: 0, to: 64, by: 8) {
            let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // Below 0x80, adding k to a byte sets its high bit exactly when the byte is ≥ 0x80 - k,
            // and carries never cross bytes.
            guard v & high == 0 else { return false }
            func atLeast(_ c: UInt64) -> UInt64 { (v &+ ones &* (0x80 - c)) & high }
            let digit = atLeast(0x30) & ~atLeast(0x3A)
            let letter = atLeast(0x61) & ~atLeast(0x67)
            guard digit | letter == high else { return false }
        }
        return true
    }

    static func isCurrencyCode(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.count == 3 && b.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
    }

    static func isCurrencyCode(_ s: String) -> Bool {
        var s = s
        return s.withUTF8(isCurrencyCode)
    }
}

extension EventValidator {
    /// `user_match`'s rules need no source contract and no clock.
    static let identifierRules = EventValidator(contract: EventSourceContract(), now: 0)

    /// The identifier rules of `user_match`, for other records that carry
    /// identifiers (exposures). Fields are named relative to the record.
    public static func identifiers(_ match: IncomingUserMatch, field prefix: String) -> Result<Identifiers, AdCPError> {
        var text = EventText()
        let spans = IdentifierSpans(match, in: &text)
        do throws(Violation) {
            return .success(try identifierRules.checkUserMatch(spans, in: text).identifiers(in: text))
        } catch {
            let path = error.path.hasPrefix("user_match.") ? String(error.path.dropFirst(11)) : error.path
            return .failure(AdCPError(error.code, error.message.replacingOccurrences(of: "user_match needs", with: "identifiers need"),
                                      field: prefix.isEmpty ? path : prefix + "." + path))
        }
    }
}
