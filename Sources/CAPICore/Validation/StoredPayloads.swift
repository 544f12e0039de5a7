/// The stored payloads of a run's accepted events, pinned for the writer to
/// bind: `self[i]` is `accepted[i]`'s, valid inside `ValidatedEvents.withPayloads`.
public struct StoredPayloads {
    let bytes: UnsafeBufferPointer<UInt8>
    let ends: UnsafeBufferPointer<Int>

    public subscript(i: Int) -> UnsafeBufferPointer<UInt8> {
        let start = i == 0 ? 0 : ends[i - 1]
        return UnsafeBufferPointer(rebasing: bytes[start..<ends[i]])
    }
}

extension ValidatedEvents {
    /// Calls `body` with the accepted events' stored payloads, which stay
    /// put until it returns.
    public func withPayloads<R>(_ body: (StoredPayloads) throws -> R) rethrows -> R {
        try payloads.withUnsafeBufferPointer { bytes in
            try payloadEnds.withUnsafeBufferPointer { ends in
                try body(StoredPayloads(bytes: bytes, ends: ends))
            }
        }
    }
}
