extension LogEventDecoder {
    /// The `user_match` of one stored event (its JSON as accepted), with the
    /// event's other members skipped: what the attribution worker needs of a
    /// conversion it reads back. Nil when it has none or is not an object.
    static func storedUserMatch(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> IncomingUserMatch? {
        var r = JSONReader(buffer, at: 0)
        guard try r.peekKind() == .object else { return nil }
        var match: IncomingUserMatch?
        var shape: ShapeError?
        try r.readMembers { (r, key) throws(JSONSyntaxError) in
            if key.matches("user_match"), try r.peekKind() == .object {
                match = try decodeUserMatch(&r, &shape)
            } else {
                try r.skipValue()
            }
        }
        return shape == nil ? match : nil
    }
}
