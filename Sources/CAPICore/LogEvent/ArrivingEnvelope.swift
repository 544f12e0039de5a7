/// Finds a log_event body's envelope and where each event sits while the
/// body is still arriving, so that its events can be read and stored before
/// the last byte is in.
///
/// It reads only what streaming needs to start: the members before
/// `events` (which must name the event source), then the events array
/// element by element, by structure alone (as `JSONReader.skimArray`). It
/// is a forecast, not a verdict: once the body is complete,
/// `LogEventDecoder.decodeEnvelope` reads it strictly, and a batch is
/// stored as it arrived only if that pass finds the same envelope and the
/// same events.
public struct ArrivingEnvelope: Sendable {
    public enum Progress: Sendable, Equatable {
        /// The members before `events` are still arriving.
        case envelope
        /// Inside the events array.
        case events
        /// The events array is closed (what follows it is left to the strict pass).
        case ended
        /// The body cannot be streamed: its members before `events` lack the
        /// event source, hold a test code or an idempotency key, or it is not
        /// the expected shape. It is read whole, as any other body.
        case unsuitable
    }

    public private(set) var progress = Progress.envelope
    public private(set) var eventSourceID: String?
    /// Where each event found so far sits in the body.
    public private(set) var eventRanges: [Range<Int>] = []
    /// Where the events array's `[` is, and once it is closed, the index past its `]`.
    private var arrayStart = 0
    private var arrayEnd: Int?
    /// Where the next unread byte of the events array is.
    private var offset = 0
    private let maxEvents: Int
    /// Bytes before `events` past which a body is read whole instead.
    static let longestEnvelope = 64 * 1024

    /// The events array, once it is closed (and only then).
    public var skimmed: SkimmedArray? {
        guard progress == .ended, let arrayEnd else { return nil }
        return SkimmedArray(start: arrayStart, end: arrayEnd, ranges: eventRanges)
    }

    public init(maxEvents: Int) {
        self.maxEvents = maxEvents
    }

    /// Reads on into `arrived`, the body so far; `complete` when that is all
    /// of it. What is cut off by the end of `arrived` is read again next time.
    public mutating func advance(_ arrived: UnsafeBufferPointer<UInt8>, complete: Bool) {
        if progress == .envelope { readEnvelope(arrived, complete: complete) }
        if progress == .events { readEvents(arrived, complete: complete) }
    }

    /// The members before `events`, from the start each time until they are all in.
    private mutating func readEnvelope(_ arrived: UnsafeBufferPointer<UInt8>, complete: Bool) {
        var reader = JSONReader(arrived)
        var sourceID: String?
        do {
            reader.skipWhitespace()
            try reader.expect(UInt8(ascii: "{"))
            while true {
                reader.skipWhitespace()
                let key = try reader.readString()
                reader.skipWhitespace()
                try reader.expect(UInt8(ascii: ":"))
                reader.skipWhitespace()
                switch key {
                case "events":
                    guard let sourceID, try reader.peekKind() == .array else { progress = .unsuitable; return }
                    arrayStart = reader.offset
                    try reader.expect(UInt8(ascii: "["))
                    eventSourceID = sourceID
                    offset = reader.offset
                    progress = .events
                    return
                case "event_source_id":
                    guard try reader.peekKind() == .string else { progress = .unsuitable; return }
                    sourceID = try reader.readString()
                case "test_event_code", "idempotency_key", "account":
                    // A test batch goes to the test log, a keyed one is
                    // checked against earlier replies first, and an account
                    // reference is checked against the key: read whole.
                    progress = .unsuitable
                    return
                default:
                    try reader.skipValue()
                }
                reader.skipWhitespace()
                try reader.expect(UInt8(ascii: ","))
            }
        } catch {
            // Cut off by the end of what arrived (read again with more), or
            // not JSON; a long envelope is not worth reading again and again.
            if complete || arrived.count > Self.longestEnvelope { progress = .unsuitable }
        }
    }

    /// Events from `offset` on; an event counts once the delimiter after it is in.
    private mutating func readEvents(_ arrived: UnsafeBufferPointer<UInt8>, complete: Bool) {
        while true {
            var reader = JSONReader(arrived, at: offset)
            reader.skipWhitespace()
            guard reader.offset < arrived.count else { break }
            if arrived[reader.offset] == UInt8(ascii: "]") {
                // `[]`, or a `]` right after a comma, which the strict pass refuses.
                if eventRanges.isEmpty {
                    progress = .ended
                    arrayEnd = reader.offset + 1
                } else {
                    progress = .unsuitable
                }
                return
            }
            let start = reader.offset
            do {
                try reader.skimElement()
            } catch {
                break
            }
            let end = reader.offset
            reader.skipWhitespace()
            guard reader.offset < arrived.count else { break }
            let delimiter = arrived[reader.offset]
            guard delimiter == UInt8(ascii: ",") || delimiter == UInt8(ascii: "]") else {
                progress = .unsuitable
                return
            }
            eventRanges.append(start..<end)
            guard eventRanges.count <= maxEvents else { progress = .unsuitable; return }
            offset = reader.offset + 1
            if delimiter == UInt8(ascii: "]") {
                progress = .ended
                arrayEnd = offset
                return
            }
        }
        if complete { progress = .unsuitable }
    }
}
