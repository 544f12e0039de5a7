import Foundation

/// Where "now" comes from. Injected so windows, ages and health are testable.
public protocol CAPIClock: Sendable {
    func now() -> Date
}

public struct SystemClock: CAPIClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that reads a fixed instant; for tests and replays.
public struct FixedClock: CAPIClock {
    public var instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { instant }
}
