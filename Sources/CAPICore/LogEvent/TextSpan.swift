/// Where one string value sits in an `EventText`: its UTF-8 bytes, unescaped.
/// A plain value, so holding a field costs no allocation nor reference counting;
/// 32-bit offsets, as an event's text is far below 4 GiB (the body limit).
public struct TextSpan: Sendable, Equatable {
    let start: UInt32
    let end: UInt32

    /// The bytes' positions in the text's buffer.
    public var range: Range<Int> { Int(start)..<Int(end) }
    public var isEmpty: Bool { start == end }
}
