import CAPICore

/// A stored exposure as a store gives it back, with its arrival order.
public struct StoredExposureRecord: Sendable, Equatable {
    public var seq: Int64
    public var exposure: Exposure
    public var receivedAt: Int64

    public init(seq: Int64, exposure: Exposure, receivedAt: Int64) {
        self.seq = seq
        self.exposure = exposure
        self.receivedAt = receivedAt
    }
}
