/// The stored rollups compared with rollups recomputed from raw rows.
public struct RollupCheck: Sendable, Equatable {
    /// Rollup rows compared (stored or recomputed), per rollup.
    public var exposureRows: Int
    public var conversionRows: Int
    public var differences: [RollupDifference]

    public init(exposureRows: Int = 0, conversionRows: Int = 0, differences: [RollupDifference] = []) {
        self.exposureRows = exposureRows
        self.conversionRows = conversionRows
        self.differences = differences
    }

    public var agrees: Bool { differences.isEmpty }
}

/// One rollup row whose stored figures differ from the raw rows'.
public struct RollupDifference: Sendable, Equatable, CustomStringConvertible {
    public enum Rollup: String, Sendable {
        case exposures, conversions
    }

    public var rollup: Rollup
    /// The row's key columns, in the table's order.
    public var key: [String]
    /// nil when there is no such row.
    public var stored: RollupFigures?
    public var recomputed: RollupFigures?

    public init(rollup: Rollup, key: [String], stored: RollupFigures?, recomputed: RollupFigures?) {
        self.rollup = rollup
        self.key = key
        self.stored = stored
        self.recomputed = recomputed
    }

    public var description: String {
        "\(rollup.rawValue) [\(key.joined(separator: ", "))]: stored \(stored?.description ?? "none"), "
            + "from raw rows \(recomputed?.description ?? "none")"
    }
}

/// A rollup row's figures: impressions, clicks and spend of exposures, or
/// count and value of conversions (`clicks` 0).
public struct RollupFigures: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    public var clicks: Int
    public var amount: Double

    public init(count: Int, clicks: Int = 0, amount: Double) {
        self.count = count
        self.clicks = clicks
        self.amount = amount
    }

    /// Equal counts, and amounts equal up to the rounding that summing in
    /// another order leaves.
    public func agrees(with other: RollupFigures) -> Bool {
        count == other.count && clicks == other.clicks
            && abs(amount - other.amount) <= 1e-9 * max(1, abs(amount), abs(other.amount))
    }

    public var description: String { "\(count)/\(clicks)/\(amount)" }
}

extension RollupCheck {
    /// Compares one rollup's stored rows with the rows recomputed from raw
    /// ones, each keyed by its key columns as text; a row missing on one
    /// side counts as zero there. Records how many rows were compared and
    /// the rows that differ, in key order.
    public mutating func compare(
        _ rollup: RollupDifference.Rollup, stored: [[String]: RollupFigures], recomputed: [[String]: RollupFigures]
    ) {
        let keys = Set(stored.keys).union(recomputed.keys)
        let zero = RollupFigures(count: 0, amount: 0)
        let differing = keys.filter { !(stored[$0] ?? zero).agrees(with: recomputed[$0] ?? zero) }
            .sorted { $0.lexicographicallyPrecedes($1) }
        switch rollup {
        case .exposures: exposureRows = keys.count
        case .conversions: conversionRows = keys.count
        }
        differences += differing.map { RollupDifference(rollup: rollup, key: $0, stored: stored[$0], recomputed: recomputed[$0]) }
    }
}
