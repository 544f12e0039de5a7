/// Reads a log_event request body.
///
/// Only the fields capi interprets are decoded; everything else is skipped
/// (and kept, through each event's raw byte range). A value of the wrong type
/// inside an event fails that event alone; broken JSON fails the request.
///
/// Two passes: `decodeEnvelope` reads the envelope strictly and skims the
/// `events` array for where each event sits; `decodeEvent` then reads one
/// event strictly, so a large batch is syntax-checked once, on several cores
/// at once. Broken JSON inside an event is therefore found by `decodeEvent`,
/// and still fails the whole request.
public enum LogEventDecoder {
    public enum Failure: Error, Sendable, Equatable {
        /// The body is not valid JSON.
        case syntax(JSONSyntaxError)
        /// Valid JSON, but the envelope is unusable (e.g. `events` is not an array).
        case invalid(AdCPError)
    }

    /// The envelope and every event, read in one go (small batches, tests).
    public static func decode(_ body: [UInt8], maxEvents: Int) throws(Failure) -> LogEventBatch {
        let result: Result<LogEventBatch, Failure> = body.withUnsafeBufferPointer { buffer in
            do throws(Failure) {
                var batch = try decodeEnvelope(buffer, maxEvents: maxEvents)
                if let ranges = batch.eventRanges {
                    var events: [IncomingEvent] = []
                    events.reserveCapacity(ranges.count)
                    for range in ranges {
                        do throws(JSONSyntaxError) { events.append(try decodeEvent(buffer, at: range)) } catch { throw .syntax(error) }
                    }
                    batch.events = events
                }
                return .success(batch)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The envelope, and where each event sits. The events are only skimmed:
    /// broken JSON inside one is found when `decodeEvent` reads it.
    ///
    /// When this pass fails, the skimmed events are first checked strictly,
    /// so the failure reported is the one a strict pass over the whole body
    /// meets first (broken JSON in an event wins over a later envelope error).
    ///
    /// `skimmed` is an events array already skimmed (`ArrivingEnvelope`): an
    /// `events` member whose array starts there takes its ranges instead of
    /// skimming it again.
    public static func decodeEnvelope(
        _ buffer: UnsafeBufferPointer<UInt8>, maxEvents: Int, skimmed: SkimmedArray? = nil
    ) throws(Failure) -> LogEventBatch {
        var eventsStart: Int?
        do {
            return try readEnvelope(buffer, maxEvents: maxEvents, skimmed: skimmed, eventsStart: &eventsStart)
        } catch {
            if let eventsStart {
                do throws(JSONSyntaxError) { try checkEvents(buffer, at: eventsStart) } catch { throw .syntax(error) }
            }
            throw error
        }
    }

    /// `decodeEnvelope`'s work; `eventsStart` is where the last `events` array skimmed starts.
    private static func readEnvelope(
        _ buffer: UnsafeBufferPointer<UInt8>, maxEvents: Int, skimmed: SkimmedArray?, eventsStart: inout Int?
    ) throws(Failure) -> LogEventBatch {
        var reader = JSONReader(buffer)
        var batch = LogEventBatch()
        var envelopeError: AdCPError?
        do {
            guard try reader.peekKind() == .object else {
                // Broken JSON anywhere wins over the wrong shape, as a strict read would find it first.
                try JSONReader.validate(buffer)
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
                case "account":
                    batch.account = try r.readValue()
                case "events":
                    guard try r.peekKind() == .array else {
                        if envelopeError == nil {
                            envelopeError = AdCPError(.invalidRequest, "events must be an array of event objects", field: "events")
                        }
                        try r.skipValue()
                        return
                    }
                    // A repeated `events` member: the earlier array is dropped
                    // unread, so it is checked here or never.
                    if let earlier = eventsStart { try checkEvents(buffer, at: earlier) }
                    eventsStart = r.offset
                    if let skimmed, skimmed.start == r.offset, skimmed.ranges.count <= maxEvents {
                        batch.eventRanges = skimmed.ranges
                        r.offset = skimmed.end
                        return
                    }
                    var ranges: [Range<Int>] = []
                    ranges.reserveCapacity(min(maxEvents, 1024))
                    if try r.skimArray(keeping: maxEvents, into: &ranges) > maxEvents {
                        envelopeError = AdCPError(
                            .invalidRequest, "events may hold at most \(maxEvents) events; split the batch",
                            field: "events")
                    }
                    batch.eventRanges = ranges
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

    /// One event at a range `decodeEnvelope` found, read strictly. The
    /// envelope pass only skimmed it, so the event must also end exactly
    /// where the skim said (`[1x]` skims as one token but is no number).
    public static func decodeEvent(
        _ buffer: UnsafeBufferPointer<UInt8>, at range: Range<Int>
    ) throws(JSONSyntaxError) -> IncomingEvent {
        // An event sits in the envelope object's `events` array.
        var reader = JSONReader(buffer, at: range.lowerBound, depth: 2)
        var writer = EventTextWriter(event: range, of: buffer)
        let event = try decodeEvent(&reader, into: &writer)
        guard reader.offset == range.upperBound else {
            throw JSONSyntaxError(message: "expected ',' or ']'", offset: reader.offset)
        }
        return event
    }

    /// Checks strictly the syntax of the events array at `start`, as the
    /// envelope pass did before it skimmed; for failures only.
    private static func checkEvents(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONSyntaxError) {
        var reader = JSONReader(buffer, at: start, depth: 1)
        try reader.readArray { (r, _) throws(JSONSyntaxError) in try r.skipValue() }
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

    /// Reads one event; its string values go to `writer`, whose text it then holds.
    static func decodeEvent(_ r: inout JSONReader, into writer: inout EventTextWriter) throws(JSONSyntaxError) -> IncomingEvent {
        let start = r.valueStart()
        var event = IncomingEvent()
        var shape: ShapeError?
        if try r.peekKind() != .object {
            try r.skipValue()
            event.shapeError = ShapeError(path: "", expected: "an object")
            event.raw = start..<r.offset
            return event
        }
        try r.readMembers { (r, key) throws(JSONSyntaxError) in
            if key.matches("event_id") { event.eventIDSpan = try string(&r, "event_id", &shape, &writer) }
            else if key.matches("event_type") { event.eventTypeSpan = try string(&r, "event_type", &shape, &writer) }
            else if key.matches("event_time") {
                // Parsed from the bytes in place: the text itself is never needed.
                event.eventTime = try value(&r, .string, "a string", { "event_time" }, &shape) { (r: inout JSONReader) throws(JSONSyntaxError) in
                    try r.readStringBytes { RFC3339.parse($0).map(IncomingTime.milliseconds) ?? .unreadable }
                }
            }
            else if key.matches("action_source") { event.actionSourceSpan = try string(&r, "action_source", &shape, &writer) }
            else if key.matches("event_source_url") { event.eventSourceURLSpan = try string(&r, "event_source_url", &shape, &writer) }
            else if key.matches("custom_event_name") { event.customEventNameSpan = try string(&r, "custom_event_name", &shape, &writer) }
            else if key.matches("user_match") {
                if try object(&r, "user_match", &shape) { event.userMatch = try decodeUserMatch(&r, &shape, &writer) }
            } else if key.matches("custom_data") {
                if try object(&r, "custom_data", &shape) { event.customData = try decodeCustomData(&r, &shape, &writer) }
            } else {
                try r.skipValue()
            }
        }
        event.raw = start..<r.offset
        event.shapeError = shape
        event.text = writer.text
        return event
    }

    static func decodeUserMatch(
        _ r: inout JSONReader, _ shape: inout ShapeError?, _ writer: inout EventTextWriter
    ) throws(JSONSyntaxError) -> IdentifierSpans {
        var match = IdentifierSpans()
        try r.readMembers { (r, key) throws(JSONSyntaxError) in
            if key.matches("hashed_email") { match.hashedEmail = try string(&r, "user_match.hashed_email", &shape, &writer) }
            else if key.matches("hashed_phone") { match.hashedPhone = try string(&r, "user_match.hashed_phone", &shape, &writer) }
            else if key.matches("click_id") { match.clickID = try string(&r, "user_match.click_id", &shape, &writer) }
            else if key.matches("click_id_type") { match.clickIDType = try string(&r, "user_match.click_id_type", &shape, &writer) }
            else if key.matches("client_ip") { match.clientIP = try string(&r, "user_match.client_ip", &shape, &writer) }
            else if key.matches("client_user_agent") { match.clientUserAgent = try string(&r, "user_match.client_user_agent", &shape, &writer) }
            else if key.matches("uids") {
                guard try array(&r, "user_match.uids", &shape) else { return }
                var uids: [UIDSpans] = []
                try r.readArray { (r, i) throws(JSONSyntaxError) in
                    guard try objectItem(&r, "user_match.uids[\(i)]", &shape) else { return }
                    var uid = UIDSpans()
                    try r.readMembers { (r, key) throws(JSONSyntaxError) in
                        if key.matches("type") { uid.type = try string(&r, "user_match.uids[\(i)].type", &shape, &writer) }
                        else if key.matches("value") { uid.value = try string(&r, "user_match.uids[\(i)].value", &shape, &writer) }
                        else { try r.skipValue() }
                    }
                    if uids.isEmpty { uids.reserveCapacity(4) }
                    uids.append(uid)
                }
                match.uids = uids
            } else {
                try r.skipValue()
            }
        }
        return match
    }

    static func decodeCustomData(
        _ r: inout JSONReader, _ shape: inout ShapeError?, _ writer: inout EventTextWriter
    ) throws(JSONSyntaxError) -> IncomingCustomData {
        var data = IncomingCustomData()
        try r.readMembers { (r, key) throws(JSONSyntaxError) in
            if key.matches("value") { data.value = try number(&r, "custom_data.value", &shape) }
            else if key.matches("currency") { data.currencySpan = try string(&r, "custom_data.currency", &shape, &writer) }
            else if key.matches("order_id") { data.orderIDSpan = try string(&r, "custom_data.order_id", &shape, &writer) }
            else if key.matches("num_items") { data.numItems = try number(&r, "custom_data.num_items", &shape) }
            else if key.matches("progress_percent") { data.progressPercent = try number(&r, "custom_data.progress_percent", &shape) }
            else if key.matches("progress_seconds") { data.progressSeconds = try number(&r, "custom_data.progress_seconds", &shape) }
            else if key.matches("contents") {
                guard try array(&r, "custom_data.contents", &shape) else { return }
                // Items are checked as they are read; none is kept.
                var problem: ContentsProblem?
                try r.readArray { (r, i) throws(JSONSyntaxError) in
                    guard try objectItem(&r, "custom_data.contents[\(i)]", &shape) else { return }
                    var hasID = false
                    var quantity: Double?
                    var price: Double?
                    try r.readMembers { (r, key) throws(JSONSyntaxError) in
                        if key.matches("id") { hasID = try present(&r, "custom_data.contents[\(i)].id", &shape) }
                        else if key.matches("quantity") { quantity = try number(&r, "custom_data.contents[\(i)].quantity", &shape) }
                        else if key.matches("price") { price = try number(&r, "custom_data.contents[\(i)].price", &shape) }
                        else { try r.skipValue() }
                    }
                    if problem == nil,
                       let field = EventValidator.contentsItemProblem(hasID: hasID, quantity: quantity, price: price) {
                        problem = ContentsProblem(index: i, field: field)
                    }
                }
                data.contentsProblem = problem
            } else {
                try r.skipValue()
            }
        }
        return data
    }

    // MARK: Typed reads that record, rather than throw, a wrong type
    // Paths are autoclosures: they are built only when a value is of the wrong type.

    /// The next value when it is of `kind`, read by `read`; nil for null
    /// (an absent field). A value of another kind is recorded and skipped.
    @inline(__always)
    private static func value<T>(
        _ r: inout JSONReader, _ kind: JSONReader.Kind, _ expected: StaticString,
        _ path: () -> String, _ shape: inout ShapeError?,
        _ read: (inout JSONReader) throws(JSONSyntaxError) -> T
    ) throws(JSONSyntaxError) -> T? {
        switch try r.peekKind() {
        case kind: return try read(&r)
        case .null: try r.readNull(); return nil
        default:
            if shape == nil { shape = ShapeError(path: path(), expected: expected.description) }
            try r.skipValue()
            return nil
        }
    }

    /// A string value, kept in the event's text.
    private static func string(
        _ r: inout JSONReader, _ path: @autoclosure () -> String, _ shape: inout ShapeError?, _ writer: inout EventTextWriter
    ) throws(JSONSyntaxError) -> TextSpan? {
        try value(&r, .string, "a string", path, &shape) { (r: inout JSONReader) throws(JSONSyntaxError) in
            writer.span(try r.readStringValue(), in: r.bytes)
        }
    }

    /// True for a string value (checked, not kept), false for null.
    private static func present(
        _ r: inout JSONReader, _ path: @autoclosure () -> String, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> Bool {
        try value(&r, .string, "a string", path, &shape) { (r: inout JSONReader) throws(JSONSyntaxError) in
            try r.readStringBytes { _ in true }
        } ?? false
    }

    private static func number(
        _ r: inout JSONReader, _ path: @autoclosure () -> String, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> Double? {
        try value(&r, .number, "a number", path, &shape) { (r: inout JSONReader) throws(JSONSyntaxError) in try r.readNumber() }
    }

    /// True when the next value is an object (left unread); otherwise skips it.
    private static func object(
        _ r: inout JSONReader, _ path: @autoclosure () -> String, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> Bool {
        try value(&r, .object, "an object", path, &shape) { (_: inout JSONReader) throws(JSONSyntaxError) in true } ?? false
    }

    /// True when the next array item is an object (left unread); otherwise
    /// skips it. Unlike a member, a null item is a wrong type, not an absence:
    /// dropping it would shift the indices of the items after it.
    private static func objectItem(
        _ r: inout JSONReader, _ path: @autoclosure () -> String, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> Bool {
        if try r.peekKind() == .object { return true }
        if shape == nil { shape = ShapeError(path: path(), expected: "an object") }
        try r.skipValue()
        return false
    }

    private static func array(
        _ r: inout JSONReader, _ path: @autoclosure () -> String, _ shape: inout ShapeError?
    ) throws(JSONSyntaxError) -> Bool {
        try value(&r, .array, "an array", path, &shape) { (_: inout JSONReader) throws(JSONSyntaxError) in true } ?? false
    }
}
