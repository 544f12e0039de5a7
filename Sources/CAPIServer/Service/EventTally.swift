import CAPIStore

/// A written log_event batch's events by result, as the metrics count them.
public struct EventTally: Sendable, Equatable {
    /// Newly stored.
    public var accepted: Int
    /// Valid, and already stored before (or earlier in the same batch).
    public var duplicates: Int
    /// Failed validation.
    public var refused: Int

    public init(accepted: Int, duplicates: Int, refused: Int) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.refused = refused
    }

    init(_ counts: IngestCounts, refused: Int) {
        self.init(accepted: counts.inserted, duplicates: counts.duplicates, refused: refused)
    }
}
