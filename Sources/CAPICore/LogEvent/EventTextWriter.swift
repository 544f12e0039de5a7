/// Fills an event's `EventText` while the decoder reads the event. The text
/// starts as one copy of the event's bytes, so a value without escapes (nearly
/// all) is a span of that copy and costs no copy of its own; a value with
/// escapes, or with bytes beyond ASCII, is appended as its String would be.
struct EventTextWriter {
    private(set) var text: EventText
    /// Where the event starts in the body: the text's offset 0.
    private let origin: Int
    /// The whole event is ASCII, so no value needs a UTF-8 check of its own.
    private let ascii: Bool

    init(event range: Range<Int>, of body: UnsafeBufferPointer<UInt8>) {
        let raw = UnsafeBufferPointer(rebasing: body[range])
        text = EventText(copying: raw)
        origin = range.lowerBound
        ascii = EventText.isASCII(raw)
    }

    /// Where `value`, read from `body`, sits in the text.
    mutating func span(_ value: JSONStringValue, in body: UnsafeBufferPointer<UInt8>) -> TextSpan {
        switch value {
        case .plain(let range):
            let raw = UnsafeBufferPointer(rebasing: body[range])
            guard ascii || EventText.isASCII(raw) else { return text.append(raw) }
            return TextSpan(start: UInt32(truncatingIfNeeded: range.lowerBound - origin),
                            end: UInt32(truncatingIfNeeded: range.upperBound - origin))
        case .decoded(let string):
            return text.append(string)
        }
    }
}
