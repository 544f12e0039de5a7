/// An array whose elements were found by `JSONReader.skimArray`'s rules:
/// its `[` at `start`, the index just past its `]` at `end`.
public struct SkimmedArray: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var ranges: [Range<Int>]

    public init(start: Int, end: Int, ranges: [Range<Int>]) {
        self.start = start
        self.end = end
        self.ranges = ranges
    }
}
