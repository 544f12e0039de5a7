/// Reads a log_event request body in one pass over its bytes.
///
/// Only the fields capi interprets are decoded; everything else is skipped
/// (and kept, through each event's raw byte range). A value of the wrong type
/// inside an event fails that event alone; broken JSON fails the request.
public enum LogEventDecoder {
    public enum Failure: Error, Sendable, Equatable {
        /// The body is not valid JSON.
        case syntax(JSONSyntaxError)
        /// Valid JSON, but the envelope is unusable (e.g. `events` is not an array).
        case invalid(AdCPError)
    }

    public static func decode(_ body: [UInt8], maxEvents: Int) throws(Failure) -> LogEventBatch {
        let result: Result<LogEventBatch, Failure> = body.withUnsafeBufferPointer { buffer in
            do throws(Failure) {
                return .success(try decode(buffer, maxEvents: maxEvents))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func decode(
        _ buffer: UnsafeBufferPointer<UInt8>, maxEvents: Int
    ) throws(Failure) -> LogEventBatch {
        var reader = JSONReader(buffer)
        var batch = LogEventBatch()
        var envelopeError: AdCPError?
        do {
            guard try reader.peekKind() == .object else {
                throw Failure.invalid(AdCPError(.invalidRequest, "The request body must be a JSON object"))
            }
            try reader.readObject { (r, key) throws(JSONSyntaxError) in
                switch key {
                case "event_source_id":
                    batch.eventSourceID = try envelopeString(&r, key, &envelopeError)
                case "test_event_code":
                    batch.testEventCode = try envelopeString(&r, key, &envelopeError)
                case "idempotency_key":
                    batch.idempotencyKey = try envelopeString(&r, key, &envelopeError)
                case "events":
                    guard try r.peekKind() == .array else {
                        if envelopeError == nil {
                            envelopeError = AdCPError(.invalidRequest, "events must be an array of event objects", field: "events")
                        }
                        try r.skipValue()
                        return
                    }
                    var events: [IncomingEvent] = []
                    events.reserveCapacity(min(maxEvents, 1024))
                    var tooMany = false
                    try r.readArray { (r, index) throws(JSONSyntaxError) in
                        if index >= maxEvents {
                            tooMany = true
                            try r.skipValue()
                            return
                        }
                        events.append(try decodeEvent(&r))
                    }
                    if tooMany {
                        envelopeError = AdCPError(
                            .invalidRequest, "events may hold at most \(maxEvents) events; split the batch",
                            field: "events")
                    }
                    batch.events = events
                default:
                    try r.skipValue()
                }
            }
            try reader.expectEnd()
        } catch let failure as Failure {
            throw failure
        } catch let syntax as JSONSyntaxError {
            throw .syntax(syntax)
        } catch {
            throw .syntax(JSONSyntaxError(message: "\(error)", offset: reader.offset))
        }
        if let envelopeError { throw .invalid(envelopeError) }
        return batch
    }

    private static func envelopeString(
        _ r: inout JSONReader, _ key: String, _ error: inout AdCPError?
    ) throws(JSONSyntaxError) -> String? {
        switch try r.peekKind() {
        case .string: return try r.readString()
        case .null: try r.readNull(); return nil
        default: break
        }
        if error == nil { error = AdCPError(.invalidRequest, "\(key) must be a string", field: key) }
        try r.skipValue()
        return nil
    }

    // MARK: Events

    static func decodeEvent(_ r: inout JSONReader) throws(JSONSyntaxError) -> IncomingEvent {
        let start = r.valueStart()
        var event = IncomingEvent()
        var shape: ShapeError?
        if try r.peekKind() != .object {
            try r.skipValue()
            event.shapeError = ShapeError(path: "", expected: "an object")
            event.raw = start..<r.offset
            return event
        }
        try r.readObject { (r, key) throws(JSONSyntaxError) in
            switch key {
            case "event_id": event.eventID = try string(&r, key, &shape)
            case "event_type": event.eventType = try string(&r, key, &shape)
            case "event_time": event.eventTime = try string(&r, key, &shape)
            case "action_source": event.actionSource = try string(&r, key, &shape)
            case "event_source_url": event.eventSourceURL = try string(&r, key, &shape)
            case "custom_event_name": event.customEventName = try string(&r, key, &shape)
            case "user_match":
                if try object(&r, key, &shape) { event.userMatch = try decodeUserMatch(&r, &shape) }
            case "custom_data":
                if try object(&r, key, &shape) { event.customData = try decodeCustomData(&r, &shape) }
            default:
                try r.skipValue()
            }
        }
        event.raw = start..<r.offset
        event.shapeError = shape
        return event
    }

    static func decodeUserMatch(
        _ r: inout JSONReader, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> IncomingUserMatch {
        var match = IncomingUserMatch()
        try r.readObject { (r, key) throws(JSONSyntaxError) in
            let path = "user_match." + key
            switch key {
            case "hashed_email": match.hashedEmail = try string(&r, path, &shape)
            case "hashed_phone": match.hashedPhone = try string(&r, path, &shape)
            case "click_id": match.clickID = try string(&r, path, &shape)
            case "click_id_type": match.clickIDType = try string(&r, path, &shape)
            case "client_ip": match.clientIP = try string(&r, path, &shape)
            case "client_user_agent": match.clientUserAgent = try string(&r, path, &shape)
            case "uids":
                guard try array(&r, path, &shape) else { return }
                var uids: [IncomingUID] = []
                try r.readArray { (r, i) throws(JSONSyntaxError) in
                    let itemPath = "\(path)[\(i)]"
                    guard try object(&r, itemPath, &shape) else { return }
                    var uid = IncomingUID()
                    try r.readObject { (r, key) throws(JSONSyntaxError) in
                        switch key {
                        case "type": uid.type = try string(&r, itemPath + ".type", &shape)
                        case "value": uid.value = try string(&r, itemPath + ".value", &shape)
                        default: try r.skipValue()
                        }
                    }
                    uids.append(uid)
                }
                match.uids = uids
            default:
                try r.skipValue()
            }
        }
        return match
    }

    static func decodeCustomData(
        _ r: inout JSONReader, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> IncomingCustomData {
        var data = IncomingCustomData()
        try r.readObject { (r, key) throws(JSONSyntaxError) in
            let path = "custom_data." + key
            switch key {
            case "value": data.value = try number(&r, path, &shape)
            case "currency": data.currency = try string(&r, path, &shape)
            case "order_id": data.orderID = try string(&r, path, &shape)
            case "num_items": data.numItems = try number(&r, path, &shape)
            case "progress_percent": data.progressPercent = try number(&r, path, &shape)
            case "progress_seconds": data.progressSeconds = try number(&r, path, &shape)
            case "contents":
                guard try array(&r, path, &shape) else { return }
                var items: [IncomingContentItem] = []
                try r.readArray { (r, i) throws(JSONSyntaxError) in
                    let itemPath = "\(path)[\(i)]"
                    guard try object(&r, itemPath, &shape) else { return }
                    var item = IncomingContentItem()
                    try r.readObject { (r, key) throws(JSONSyntaxError) in
                        switch key {
                        case "id": item.id = try string(&r, itemPath + ".id", &shape)
                        case "quantity": item.quantity = try number(&r, itemPath + ".quantity", &shape)
                        case "price": item.price = try number(&r, itemPath + ".price", &shape)
                        default: try r.skipValue()
                        }
                    }
                    items.append(item)
                }
                data.contents = items
            default:
                try r.skipValue()
            }
        }
        return data
    }

    // MARK: Typed reads that record, rather than throw, a wrong type

    private static func string(
        _ r: inout JSONReader, _ path: String, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> String? {
        switch try r.peekKind() {
        case .string: return try r.readString()
        case .null: try r.readNull(); return nil
        default:
            if shape == nil { shape = ShapeError(path: path, expected: "a string") }
            try r.skipValue()
            return nil
        }
    }

    private static func number(
        _ r: inout JSONReader, _ path: String, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> Double? {
        switch try r.peekKind() {
        case .number: return try r.readNumber()
        case .null: try r.readNull(); return nil
        default:
            if shape == nil { shape = ShapeError(path: path, expected: "a number") }
            try r.skipValue()
            return nil
        }
    }

    /// True when the next value is an object (left unread); otherwise skips it.
    private static func object(
        _ r: inout JSONReader, _ path: String, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> Bool {
        switch try r.peekKind() {
        case .object: return true
        case .null: try r.readNull(); return false
        default:
            if shape == nil { shape = ShapeError(path: path, expected: "an object") }
            try r.skipValue()
            return false
        }
    }

    private static func array(
        _ r: inout JSONReader, _ path: String, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> Bool {
        switch try r.peekKind() {
        case .array: return true
        case .null: try r.readNull(); return false
        default:
            if shape == nil { shape = ShapeError(path: path, expected: "an array") }
            try r.skipValue()
            return false
        }
    }
}
