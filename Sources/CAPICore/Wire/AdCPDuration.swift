/// An AdCP duration (core/duration.json): an interval and a fixed unit.
public struct AdCPDuration: Encodable, Sendable, Equatable {
    public var interval: Int
    public var unit: String

    public init(_ d: WindowDuration) {
        interval = d.interval
        unit = d.unit.rawValue
    }
}
