extension LogEventDecoder {
    /// The `user_match` of one stored event (its JSON as accepted), with the
    /// event's other members skipped, and the text its spans point into:
    /// what the attribution worker needs of a conversion it reads back. Nil
    /// when it has none or it is not an object.
    static func storedUserMatch(
        _ buffer: UnsafeBufferPointer<UInt8>
    ) throws(JSONSyntaxError) -> (IdentifierSpans, EventText)? {
        var r = JSONReader(buffer, at: 0)
        guard try r.peekKind() == .object else { return nil }
        var writer = EventTextWriter(event: 0..<buffer.count, of: buffer)
        var match: IdentifierSpans?
        var shape: ShapeError?
        try r.readMembers { (r, key) throws(JSONSyntaxError) in
            if key.matches("user_match"), try r.peekKind() == .object {
                match = try decodeUserMatch(&r, &shape, &writer)
            } else {
                try r.skipValue()
            }
        }
        guard shape == nil, let match else { return nil }
        return (match, writer.text)
    }
}
