/// What one attribution pass did, for the worker's pacing and metrics.
public struct AttributionProgress: Sendable, Equatable {
    /// Conversions attributed for the first time.
    public var conversions: Int
    /// Earlier conversions re-examined because of new exposures.
    public var reexamined: Int
    /// How long the pass held the writer, its commit included (not the wait for it).
    public var held: Duration
    public var isIdle: Bool { conversions == 0 && reexamined == 0 }

    public init(conversions: Int, reexamined: Int, held: Duration = .zero) {
        self.conversions = conversions
        self.reexamined = reexamined
        self.held = held
    }
}
