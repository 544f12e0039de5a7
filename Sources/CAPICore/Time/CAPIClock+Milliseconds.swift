import Foundation

extension CAPIClock {
    /// Now, in whole milliseconds since the epoch: the one conversion every
    /// timestamp capi stores or compares goes through (`Date.epochMilliseconds`).
    public var nowMilliseconds: Int64 { now().epochMilliseconds }
}

extension Date {
    /// Whole milliseconds since the epoch, rounded down (toward the past,
    /// before 1970 too), so an instant never reads as later than it is.
    public var epochMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
}
