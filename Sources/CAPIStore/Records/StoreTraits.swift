/// What a store declares about itself, so that the service and the
/// attribution worker adapt to it instead of assuming one engine.
public struct StoreTraits: Sendable, Equatable {
    /// How a large batch is cut into runs the store takes one by one.
    public var runs: RunSizes
    /// How the attribution worker shares the store with clients.
    public var attribution: AttributionPacing
    /// How many runs of an exposure feed may be written at once, each its
    /// own transaction: 1 for a store with one writer; more where writers
    /// run side by side on a server's cores.
    public var exposureWritesInFlight: Int

    public init(runs: RunSizes, attribution: AttributionPacing, exposureWritesInFlight: Int = 1) {
        self.runs = runs
        self.attribution = attribution
        self.exposureWritesInFlight = max(1, exposureWritesInFlight)
    }
}

/// The sizes of a batch's runs: a few short leading runs, so the store
/// waits little for the first while it holds its transaction, then runs of
/// a steady size.
public struct RunSizes: Sendable, Equatable {
    public var leading: [Int]
    public var steady: Int

    public init(leading: [Int], steady: Int) {
        self.leading = leading
        self.steady = steady
    }

    /// Events in the `index`-th run of a batch of several; a batch stored
    /// while it arrives is cut the same way, before its size is known.
    public func size(ofRun index: Int) -> Int {
        index < leading.count ? leading[index] : steady
    }

    /// Which events each run holds, in order. A batch of one steady run is
    /// read whole before the store is asked, so only a larger one starts short.
    public func slices(events: Int) -> [Range<Int>] {
        guard events > steady else { return [0..<events] }
        var slices: [Range<Int>] = []
        var start = 0
        while start < events {
            let size = size(ofRun: slices.count)
            slices.append(start..<min(start + size, events))
            start += size
        }
        return slices
    }
}

/// How attribution passes share the store with clients' writes.
public enum AttributionPacing: Sendable, Equatable {
    /// Passes and client writes run side by side (row locks, several
    /// writers): the worker runs full passes.
    case concurrentWriters
    /// One writer serves everyone. While clients send, a pass is cut to
    /// about `pass` long, and the worker rests after it at least as long as
    /// it held the writer and up to `maxRest` times as long while a client
    /// write is in flight.
    case singleWriter(pass: Duration, maxRest: Int)
}
