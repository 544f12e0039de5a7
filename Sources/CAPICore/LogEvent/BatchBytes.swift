import Synchronization

/// The bytes of one log_event body, at an address that never moves.
///
/// A large batch is read and stored while it is still arriving: the bytes
/// already in are read on other threads (the runs being validated, the
/// writer binding payloads) while the rest is appended behind them. So the
/// body of a streamed batch is one allocation of its declared length,
/// filled in place, and `count` says how much of it has arrived. A body
/// received whole is wrapped as it is.
public final class BatchBytes: Sendable {
    private enum Storage {
        case whole([UInt8], Range<Int>)
        case arriving(UnsafeMutableBufferPointer<UInt8>)
    }

    // The arriving buffer is written by one appender only, below `count`'s
    // new value, before that value is published; readers read below the
    // `count` they loaded, so no byte is read and written at once.
    nonisolated(unsafe) private let storage: Storage
    private let filled: Atomic<Int>

    /// A body received whole.
    public convenience init(_ bytes: [UInt8]) {
        self.init(bytes, within: bytes.indices)
    }

    /// A body that is part of a larger one received whole (MCP's
    /// `arguments`), without a copy; offsets count from its first byte.
    public init(_ bytes: [UInt8], within range: Range<Int>) {
        let range = range.clamped(to: bytes.indices)
        storage = .whole(bytes, range)
        filled = Atomic(range.count)
    }

    /// An empty body that will hold exactly `capacity` bytes.
    public init(capacity: Int) {
        storage = .arriving(UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(capacity, 0)))
        filled = Atomic(0)
    }

    deinit {
        if case .arriving(let buffer) = storage { buffer.deallocate() }
    }

    /// Bytes that have arrived.
    public var count: Int { filled.load(ordering: .acquiring) }

    /// The size the body was declared with (its whole size once complete).
    public var capacity: Int {
        switch storage {
        case .whole(_, let range): range.count
        case .arriving(let buffer): buffer.count
        }
    }

    public var isComplete: Bool { count == capacity }

    /// Appends a chunk; false, appending nothing, if it would overflow the
    /// declared size. One appender at a time.
    public func append(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard case .arriving(let buffer) = storage else { return false }
        let start = filled.load(ordering: .relaxed)
        guard chunk.count <= buffer.count - start else { return false }
        if let source = chunk.baseAddress, let target = buffer.baseAddress {
            UnsafeMutableRawPointer(target + start).copyMemory(from: source, byteCount: chunk.count)
        }
        filled.store(start + chunk.count, ordering: .releasing)
        return true
    }

    /// Calls `body` with the bytes that have arrived so far.
    public func withArrived<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        switch storage {
        case .whole(let bytes, let range):
            return try bytes.withUnsafeBufferPointer { buffer throws(E) in try body(UnsafeBufferPointer(rebasing: buffer[range])) }
        case .arriving(let buffer):
            return try body(UnsafeBufferPointer(start: buffer.baseAddress, count: count))
        }
    }
}
